// A local PostgreSQL cluster from the machine's own binaries (initdb, pg_ctl), listening on 127.0.0.1 only.
// PostgreSQL refuses to run as root, so when we are root the cluster is owned by and run as `postgres`; that user
// must reach the data directory, so a directory it cannot reach (a checkout under a 0700 folder) is replaced by a
// link to one under /var/tmp that it can.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import net from 'node:net';

const isRoot = process.getuid?.() === 0;

function pgBin(name) {
  for (const dir of ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/local/bin', '/usr/bin']) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${name} not found: install postgresql-15`);
}

function asPg(cmd, args, opts = {}) {
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function reachableByPostgres(dir) {
  if (!isRoot) return true;
  return spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dir]).status === 0;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

/**
 * Ensures a running cluster in `dataDir` on `port`; returns its connection string. A durable cluster (npm start's,
 * which holds users' dashboards, templates and history) keeps fsync and full-page writes on, so a power loss cannot
 * corrupt it; a throwaway test cluster turns them off for speed.
 */
export async function ensureCluster(dataDir, port, { durable = false } = {}) {
  dataDir = path.resolve(dataDir);
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (!fs.existsSync(dataDir)) {
    if (reachableByPostgres(path.dirname(dataDir))) fs.mkdirSync(dataDir, { recursive: true });
    else {
      const real = `/var/tmp/exports-pg-${crypto.createHash('sha1').update(dataDir).digest('hex').slice(0, 12)}`;
      fs.mkdirSync(real, { recursive: true });
      fs.symlinkSync(real, dataDir);
    }
  }
  const real = fs.realpathSync(dataDir);
  if (isRoot) execFileSync('chown', ['-R', 'postgres:postgres', real]);
  fs.chmodSync(real, 0o700);
  if (!reachableByPostgres(real)) throw new Error(`The postgres user cannot reach ${real}; choose a data directory it can reach.`);
  if (!fs.existsSync(path.join(real, 'PG_VERSION'))) {
    asPg(pgBin('initdb'), ['-D', real, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  }
  const status = spawnSync(isRoot ? 'runuser' : pgBin('pg_ctl'),
    isRoot ? ['-u', 'postgres', '--', pgBin('pg_ctl'), 'status', '-D', real] : ['status', '-D', real]);
  if (status.status !== 0) {
    const safety = durable ? '-c fsync=on -c full_page_writes=on -c synchronous_commit=on' : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off';
    const opts = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${real} ${safety} -c work_mem=64MB -c shared_buffers=256MB -c max_connections=200`;
    asPg(pgBin('pg_ctl'), ['start', '-D', real, '-w', '-t', '60', '-l', path.join(real, 'server.log'), '-o', opts]);
  } else {
    const pid = fs.readFileSync(path.join(real, 'postmaster.pid'), 'utf8').split('\n');
    port = Number(pid[3]);
  }
  return { url: `Host=127.0.0.1;Port=${port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50`, port, dir: real };
}

export function createDatabase(port, name) {
  asPg(pgBin('psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, '-c', `CREATE DATABASE "${name}"`]);
  return `Host=127.0.0.1;Port=${port};Username=postgres;Database=${name};Pooling=true;Maximum Pool Size=50`;
}

export function stopCluster(dir) {
  try { asPg(pgBin('pg_ctl'), ['stop', '-D', dir, '-m', 'fast', '-w']); } catch { /* already stopped */ }
}
