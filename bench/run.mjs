// Benchmark: streamed CSV exports through HTTP against PostgreSQL's own COPY of the same rows; Parquet over HTTP
// against CSV over HTTP; background jobs and failover after SIGKILL (bench/jobs.mjs, bench/failover.mjs); the result
// cache (bench/cache.mjs, full run only); the Parquet writer against DuckDB and the Excel writer against exceljs (bench/formats.mjs); the
// dashboard drawn by our painters through SkiaSharp against Cairo (bench/skia.mjs, skipped with a message if bench/skia does not build).
// Every figure is a ratio against its peer measured here, now; results go to bench/results.md (quoted by the README).
//   node bench/run.mjs            (npm run bench)
//   BENCH_PARTS=jobs node bench/run.mjs   only the background-job parts (latency, throughput, failover): their tables
//                                          replace the same tables in bench/results.md, dated; the rest is kept.
//   BENCH_PARTS=live node bench/run.mjs   only the live fan-out (bench/live.mjs: SSE streams and webhook sinks), likewise;
//                                          BENCH_PARTS=jobs,live runs both.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { ensureCluster, createDatabase, freePort, stopCluster } from '../scripts/pg.mjs';

process.chdir(new URL('..', import.meta.url).pathname);
const RUNS = Number(process.env.BENCH_RUNS || 3);
const PARTS = (process.env.BENCH_PARTS ?? '').split(',').map((p) => p.trim()).filter(Boolean);
const KNOWN = ['jobs', 'live'];
if (PARTS.some((p) => !KNOWN.includes(p))) throw new Error(`BENCH_PARTS is a list of ${KNOWN.join(', ')}; got '${process.env.BENCH_PARTS}'`);
const key = 'exp_bench_key_0123456789abcdefghij';
const port = await freePort();
const dir = `/var/tmp/exports-bench-pg-${process.pid}`;
// Built first: a failed build leaves no cluster behind.
const build = spawnSync('dotnet', ['build', 'Exports.sln', '-c', 'Release', '-v', 'q', '-nologo'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const pg = await ensureCluster(dir, await freePort());
const conn = createDatabase(pg.port, 'exports_bench');
const tmp = fs.mkdtempSync('/var/tmp/exports-bench-files-');
// Interrupted (Ctrl-C, a CI timeout): stop the API and the cluster and delete what the run made.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    try { api.kill('SIGKILL'); } catch { /* not started yet */ }
    stopCluster(pg.dir);
    removeAll();
    process.exit(130);
  });
}

const api = spawn('dotnet', ['api/bin/Release/net10.0/Exports.Api.dll'], {
  env: {
    ...process.env, EXPORTS_DB: conn, EXPORTS_PORT: String(port), EXPORTS_DEMO_API_KEY: key, EXPORTS_DATA_DIR: `${dir}-data`,
    EXPORTS_QUOTA_CONCURRENT: '1000', EXPORTS_QUOTA_PER_HOUR: '100000', EXPORTS_WORKER_CONCURRENCY: '2',
    // The bench measures throughput, not fairness: 8 submits at once would meet the per-owner limit on requests in flight.
    EXPORTS_STREAMS_PER_OWNER: '1000',
    // The live part's webhook sinks POST to receivers in this process on 127.0.0.1, which the delivery guard refuses
    // unless private networks are allowed. (Its 50 SSE streams are 5 tokens x 10: within the live limits' defaults.)
    EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/health`)).ok) break; } catch { /* starting */ }
    if (i > 600) throw new Error('API did not start');
    await new Promise((r) => setTimeout(r, 250));
  }

  const postmaster = () => Number(fs.readFileSync(`${pg.dir}/postmaster.pid`, 'utf8').split('\n')[0]);
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${api.pid}/status`, 'utf8'))[1]) * 1024;
  const psql = (sql) => ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', 'exports_bench', '-Atqc', sql];
  const scalar = (sql) => spawnSync('psql', psql(sql), { encoding: 'utf8' }).stdout.trim();
  const last = scalar("SELECT to_char(max(ts) + interval '1 minute', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM points");
  const lastDate = new Date(last);
  const fromFor = (days) => new Date(lastDate.getTime() - days * 86400000).toISOString();

  async function http(body) {
    const before = rss();
    let peak = before;
    const timer = setInterval(() => { peak = Math.max(peak, rss()); }, 10);
    const t0 = performance.now();
    const r = await fetch(`${base}/api/v1/exports/series`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
    let bytes = 0, lines = 0;
    const hash = crypto.createHash('sha256');
    for await (const chunk of r.body) { bytes += chunk.length; hash.update(chunk); for (const b of chunk) if (b === 10) lines++; }
    const ms = performance.now() - t0;
    clearInterval(timer);
    peak = Math.max(peak, rss());
    return { ms, bytes, rows: lines - 1, growth: peak - before, sha: hash.digest('hex') };
  }

  function copy(sql) {
    return new Promise((resolve) => {
      const t0 = performance.now();
      const p = spawn('psql', psql(`COPY (${sql}) TO STDOUT (FORMAT csv, HEADER)`));
      let bytes = 0, lines = 0;
      const hash = crypto.createHash('sha256');
      p.stdout.on('data', (c) => { bytes += c.length; hash.update(c); for (const b of c) if (b === 10) lines++; });
      p.on('close', () => resolve({ ms: performance.now() - t0, bytes, rows: lines - 1, sha: hash.digest('hex') }));
    });
  }

  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  async function compare(name, body, sql) {
    await http(body); await copy(sql); // warm both: caches, JIT, plans
    const h = [], c = [];
    for (let i = 0; i < RUNS; i++) { h.push(await http(body)); c.push(await copy(sql)); }
    if (h[0].rows !== c[0].rows) throw new Error(`${name}: API wrote ${h[0].rows} rows, COPY ${c[0].rows}`);
    const identical = h[0].sha === c[0].sha;
    const res = {
      name, rows: h[0].rows, apiMs: median(h.map((x) => x.ms)), copyMs: median(c.map((x) => x.ms)),
      identical, apiMB: h[0].bytes / 1e6, copyMB: c[0].bytes / 1e6, growthMB: Math.max(...h.map((x) => x.growth)) / 1e6,
    };
    res.ratio = res.apiMs / res.copyMs;
    console.log(JSON.stringify(res));
    return res;
  }

  const src = "(SELECT id FROM sources WHERE name = 'servers')";
  const longSql = (days) => `SELECT to_char(p.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS time, s.metric, s.tags->>'region' AS region, s.tags->>'server' AS server, p.value
    FROM points p JOIN series s ON s.id = p.series_id WHERE s.source_id = ${src} AND p.ts >= '${fromFor(days)}' AND p.ts < '${last}'
    ORDER BY s.metric, s.tags->>'region', s.tags->>'server', p.ts`;
  const metrics = ['cpu_percent', 'disk_percent', 'load_avg', 'memory_percent', 'net_in_mbps'];
  const wideSql = `SELECT to_char(p.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS time, s.tags->>'region' AS region, s.tags->>'server' AS server,
    ${metrics.map((m) => `max(p.value) FILTER (WHERE s.metric = '${m}') AS ${m}`).join(', ')}
    FROM points p JOIN series s ON s.id = p.series_id WHERE s.source_id = ${src} AND p.ts >= '${fromFor(14)}' AND p.ts < '${last}'
    GROUP BY p.ts, 2, 3 ORDER BY p.ts, 2, 3`;
  const req = (days, shape) => ({ source: 'servers', granularity: 'raw', shape, format: 'csv', timeframe: { from: fromFor(days), to: last } });

  if (PARTS.length > 0) {
    // As after the full run's earlier parts: the freshly seeded tables analyzed and read once (cache), so the first
    // part measured does not pay for that.
    spawnSync('psql', psql('VACUUM (ANALYZE) points'), { encoding: 'utf8' });
    await http(req(14, 'long'));
    const fresh = {};
    if (PARTS.includes('live')) fresh.live = await import('./live.mjs').then((m) => m.run({ base, key, rss, apiPid: api.pid, pgPid: postmaster(), scalar }));
    if (PARTS.includes('jobs')) {
      const latency = await import('./jobs.mjs').then((m) => m.latency({ base, key, req }));
      const jobs = await import('./jobs.mjs').then((m) => m.run({ base, key, rss, req }));
      api.kill('SIGTERM');
      const failover = await import('./failover.mjs').then((m) => m.run({ conn, key, req, dataDir: `${dir}-failover` }));
      fresh.jobs = [jobs, latency, failover];
    }
    api.kill('SIGTERM');
    if (fresh.jobs) spliceResults(fresh.jobs, 'Background-job tables', 'jobs');
    if (fresh.live) spliceResults([fresh.live], 'Live fan-out tables', 'live');
    stopCluster(pg.dir);
    removeAll();
    process.exit(0); // past the full run's parts (the finally below stops the API and the cluster for those)
  }
  const small = await compare('long, 100k rows', req(1.4, 'long'), longSql(1.4));
  const big = await compare('long, 1M rows', req(14, 'long'), longSql(14));
  const wide = await compare('wide pivot, 200k rows', req(14, 'wide'), wideSql);

  // Parquet end to end: the same 1M rows from PostgreSQL through HTTP, Parquet against CSV.
  const parquetE2e = [];
  for (const codec of ['snappy', 'zstd', 'lz4']) {
    const pq = { ...req(14, 'long'), format: 'parquet', formatOptions: { compression: codec } };
    await http(pq); await http(req(14, 'long'));
    const p = [], c = [];
    for (let i = 0; i < RUNS; i++) { p.push(await http(pq)); c.push(await http(req(14, 'long'))); }
    const r = { codec, parquetMs: median(p.map((x) => x.ms)), csvMs: median(c.map((x) => x.ms)), parquetMB: p[0].bytes / 1e6, csvMB: c[0].bytes / 1e6, growthMB: Math.max(...p.map((x) => x.growth)) / 1e6 };
    r.ratio = r.parquetMs / r.csvMs;
    console.log(JSON.stringify(r));
    parquetE2e.push(r);
  }
  const latency = await import('./jobs.mjs').then((m) => m.latency({ base, key, req }));
  const jobs = await import('./jobs.mjs').then((m) => m.run({ base, key, rss, req }));
  const cache = await import('./cache.mjs').then((m) => m.run({ base, key, req }));
  const live = await import('./live.mjs').then((m) => m.run({ base, key, rss, apiPid: api.pid, pgPid: postmaster(), scalar }));
  api.kill('SIGTERM');
  const failover = await import('./failover.mjs').then((m) => m.run({ conn, key, req, dataDir: `${dir}-failover` }));

  const visuals = await import('./visuals.mjs').then((m) => m.run(tmp, conn, RUNS));
  const skia = await import('./skia.mjs').then((m) => m.run(tmp, `${tmp}/visual/ops.json`, RUNS));
  const { writers, excel } = await import('./formats.mjs').then((m) => m.run(tmp, RUNS));

  const mb = (x) => `${x.toFixed(1)} MB`;
  const row = (r) => `| ${r.name} | ${r.rows.toLocaleString('en')} | ${(r.apiMs / 1000).toFixed(2)} s | ${(r.copyMs / 1000).toFixed(2)} s | **${r.ratio.toFixed(2)}x** | ${mb(r.growthMB)} | ${r.identical ? 'yes (SHA-256)' : 'no'} |`;
  const md = [
    `Measured ${new Date().toISOString().slice(0, 10)} on this machine (${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores), median of ${RUNS} runs after one warm-up each.`,
    '',
    '| CSV export | rows | API over HTTP | psql COPY (same rows) | ratio | API RSS growth | same bytes |',
    '|---|---:|---:|---:|---:|---:|---|',
    row(small), row(big), row(wide),
    '',
    `Memory when the row count grows tenfold (100k -> 1M): ${mb(small.growthMB)} -> ${mb(big.growthMB)}.`,
    '',
    '| Parquet export, 1M rows (long) | Parquet over HTTP | CSV over HTTP (same rows) | ratio | Parquet size | CSV size | API RSS growth |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...parquetE2e.map((r) => `| ${r.codec} | ${(r.parquetMs / 1000).toFixed(2)} s | ${(r.csvMs / 1000).toFixed(2)} s | **${r.ratio.toFixed(2)}x** | ${mb(r.parquetMB)} | ${mb(r.csvMB)} | ${mb(r.growthMB)} |`),
    '',
    ...jobs,
    '',
    ...cache,
    '',
    ...latency,
    '',
    ...failover,
    '',
    ...live,
    '',
    ...visuals,
    '',
    ...skia,
    '',
    ...writers,
    '',
    ...excel,
  ].join('\n');
  fs.writeFileSync('bench/results.md', md + '\n');
  console.log('\n' + md);
} finally {
  api.kill('SIGTERM');
  stopCluster(pg.dir);
  removeAll();
}

/** Every folder the run made: the cluster, the API's data (exports, artifacts), the failover nodes' and the peers' files. */
function removeAll() {
  for (const path of [pg.dir, `${dir}-data`, `${dir}-failover`, tmp]) fs.rmSync(path, { recursive: true, force: true });
}

/** Replaces, in bench/results.md, each table whose title (its first cell, up to a parenthesis or a comma) matches a
 * new one's (a table not there yet is added at the end), and says under the date line which tables were measured when
 * (one line per part, starting with `label`). */
function spliceResults(parts, label, part) {
  const blocks = fs.readFileSync('bench/results.md', 'utf8').trimEnd().split('\n\n');
  const title = (block) => block.split('\n')[0].split('|')[1]?.trim().replace(/\s*[(,].*$/, '');
  const fresh = parts.flatMap((lines) => lines.join('\n').split('\n\n'));
  for (const block of fresh) {
    const i = blocks.findIndex((b) => title(b) && title(b) === title(block));
    if (i >= 0) blocks[i] = block; else blocks.push(block);
  }
  const note = `${label} (${fresh.map(title).join('; ')}) re-measured ${new Date().toISOString().slice(0, 10)} with BENCH_PARTS=${part}, each against its peer measured in that run.`;
  const at = blocks.findIndex((b) => b.startsWith(`${label} (`));
  if (at >= 0) blocks[at] = note; else blocks.splice(1, 0, note);
  fs.writeFileSync('bench/results.md', blocks.join('\n\n') + '\n');
  console.log(blocks.join('\n\n'));
}
