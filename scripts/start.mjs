// npm start: install what is missing, build the SPA, start the embedded PostgreSQL (unless EXPORTS_DB is set),
// then run the API, which migrates, seeds demo data on first run, and serves API + SPA on one port.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { ensureCluster } from './pg.mjs';
import { ensureNpm, ensureApt, runPackages, run } from './setup.mjs';

process.chdir(new URL('..', import.meta.url).pathname);
ensureApt(runPackages);
ensureNpm();
run('npm', ['run', 'build', '-w', 'web']);

const env = { ...process.env };
const port = env.EXPORTS_PORT || '5080';
fs.mkdirSync('.data', { recursive: true });
if (!env.EXPORTS_DB) {
  const pg = await ensureCluster('.data/pg', Number(env.EXPORTS_PG_PORT || 5433), { durable: true });
  env.EXPORTS_DB = pg.url;
  console.log(`Embedded PostgreSQL: ${pg.dir} on 127.0.0.1:${pg.port}`);
}
// The demo API key is fixed on the first run (EXPORTS_DEMO_API_KEY, or a new random one) and kept in .data so
// every start can print it.
const keyFile = '.data/demo-api-key';
if (!env.EXPORTS_DEMO_API_KEY) {
  if (!fs.existsSync(keyFile)) fs.writeFileSync(keyFile, 'exp_' + crypto.randomBytes(30).toString('base64url'), { mode: 0o600 });
  env.EXPORTS_DEMO_API_KEY = fs.readFileSync(keyFile, 'utf8').trim();
}
env.EXPORTS_SPA_DIR = env.EXPORTS_SPA_DIR || 'web/dist';
env.EXPORTS_DATA_DIR = env.EXPORTS_DATA_DIR || '.data';

console.log(`\nExports on http://127.0.0.1:${port}`);
console.log('  Demo account: demo@exports.local / demo-password');
console.log(`  Demo API key: ${env.EXPORTS_DEMO_API_KEY}   (curl -H "Authorization: Bearer $KEY" ...)\n`);
const api = spawn('dotnet', ['run', '--project', 'api', '-c', 'Release'], { stdio: 'inherit', env });
const stop = () => api.kill('SIGINT');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
api.on('exit', (code) => process.exit(code ?? 0));
