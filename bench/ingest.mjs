// Ingest benchmark: one ~29 MB batch of points as a JSON array and as CSV, posted to a fresh source over HTTP.
// Reports the request time and the API process's peak resident memory over its resident memory before the request
// (sampled every 10 ms, as bench/run.mjs does), and checks what landed with SQL.
//   node bench/ingest.mjs                      (builds, starts a throwaway PostgreSQL)
//   BENCH_PG_PORT=5432 node bench/ingest.mjs   (uses a running cluster on 127.0.0.1 as postgres)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { ensureCluster, createDatabase, freePort, stopCluster } from '../scripts/pg.mjs';

process.chdir(new URL('..', import.meta.url).pathname);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const ROWS = Number(process.env.BENCH_ROWS || 230_000);
const key = 'exp_bench_ingest_key_0123456789abcdef';
const port = await freePort();
const dir = `/var/tmp/exports-bench-ingest-pg-${process.pid}`;
const pg = process.env.BENCH_PG_PORT ? { port: Number(process.env.BENCH_PG_PORT), external: true } : await ensureCluster(dir, await freePort());
const conn = createDatabase(pg.port, 'exports_bench_ingest');
if (!process.env.BENCH_NO_BUILD) {
  const build = spawnSync('dotnet', ['build', 'Exports.sln', '-c', 'Release', '-v', 'q', '-nologo'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(1);
}

// ~29 MB of points: 230,000 rows over 50 hosts, one per second per host, values with a fraction.
const t0 = Date.UTC(2026, 2, 1);
const json = ['['];
const csv = ['timestamp,metric,value,host,region\n'];
for (let i = 0; i < ROWS; i++) {
  const ts = new Date(t0 + Math.floor(i / 50) * 1000).toISOString();
  const host = `host-${String(i % 50).padStart(3, '0')}`;
  const region = i % 2 ? 'eu-west' : 'us-east';
  const value = ((i * 7919) % 100000) / 100;
  json.push(`${i ? ',' : ''}{"timestamp":"${ts}","metric":"cpu_percent","value":${value},"tags":{"host":"${host}","region":"${region}"}}\n`);
  csv.push(`${ts},cpu_percent,${value},${host},${region}\n`);
}
const bodies = { json: Buffer.from(json.join('') + ']'), csv: Buffer.from(csv.join('')) };

const api = spawn('dotnet', ['api/bin/Release/net10.0/Exports.Api.dll'], {
  env: { ...process.env, EXPORTS_DB: conn, EXPORTS_PORT: String(port), EXPORTS_SEED: 'false', EXPORTS_DATA_DIR: `${dir}-data`, EXPORTS_WORKER: 'false' },
  stdio: ['ignore', fs.openSync(`${dir}-api.log`, 'w'), 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
const psql = (sql) => ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', 'exports_bench_ingest', '-Atqc', sql];
const scalar = (sql) => spawnSync('psql', psql(sql), { encoding: 'utf8' }).stdout.trim();
try {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/health`)).ok) break; } catch { /* starting */ }
    if (i > 600) throw new Error('API did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  const user = '00000000-0000-0000-0000-00000000be11';
  scalar(`INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('${user}', 'bench@ingest', 'Bench', 'x', now()) ON CONFLICT DO NOTHING`);
  scalar(`INSERT INTO api_keys (id, owner_id, name, prefix, hash, created_at) SELECT gen_random_uuid(), '${user}', 'bench', left('${key}', 10), sha256(convert_to('${key}', 'UTF8')), now()
          WHERE NOT EXISTS (SELECT 1 FROM api_keys WHERE owner_id = '${user}')`);
  const auth = { authorization: `Bearer ${key}` };
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${api.pid}/status`, 'utf8'))[1]) * 1024;
  const results = [];
  for (const [kind, body] of Object.entries(bodies)) {
    const runs = [];
    let first = 0;
    for (let run = 0; run <= RUNS; run++) {
      const name = `bench-${kind}-${run}-${Date.now()}`;
      const c = await fetch(`${base}/api/v1/sources`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name, kind: 'timeseries' }) });
      if (c.status !== 201) throw new Error(`create source: ${c.status} ${await c.text()}`);
      const before = rss();
      let peak = before;
      const timer = setInterval(() => { peak = Math.max(peak, rss()); }, 10);
      const start = performance.now();
      const r = await fetch(`${base}/api/v1/sources/${name}/points`, {
        method: 'POST', headers: { ...auth, 'content-type': kind === 'csv' ? 'text/csv' : 'application/json' }, body,
      });
      const text = await r.text();
      const ms = performance.now() - start;
      clearInterval(timer);
      peak = Math.max(peak, rss());
      if (!r.ok) throw new Error(`${kind}: ${r.status} ${text.slice(0, 500)}`);
      const stored = Number(scalar(`SELECT count(*) FROM points p JOIN series s ON s.id = p.series_id JOIN sources o ON o.id = s.source_id WHERE o.name = '${name}'`));
      if (stored !== ROWS) throw new Error(`${kind}: ${stored} points stored, expected ${ROWS}`);
      if (run > 0) runs.push({ ms, growth: peak - before });   // run 0 warms up (its growth is reported as "first")
      else first = peak - before;
    }
    const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    results.push({ kind, mb: body.length / 1e6, ms: median(runs.map((x) => x.ms)), growth: median(runs.map((x) => x.growth)), max: Math.max(...runs.map((x) => x.growth)), first });
  }
  console.log(`| body | size | rows | request time (median) | API RSS growth: first request / median / max of the rest |`);
  console.log(`|---|---:|---:|---:|---:|`);
  for (const r of results)
    console.log(`| ${r.kind} | ${r.mb.toFixed(1)} MB | ${ROWS.toLocaleString('en')} | ${(r.ms / 1000).toFixed(2)} s | ${(r.first / 1048576).toFixed(0)} MB / ${(r.growth / 1048576).toFixed(0)} MB / ${(r.max / 1048576).toFixed(0)} MB |`);
} finally {
  api.kill('SIGTERM');
  if (!pg.external) stopCluster(dir);
}
