// Failover: two API nodes of one cluster (their own EXPORTS_SCHEDULER_NAME, default durability settings) on the bench
// database. A 1M-row CSV job runs uninterrupted first (the peer); then the same job again, and once it has written a
// megabyte the node running it is SIGKILLed: how long until the other node runs it, and until it is done, against
// the uninterrupted run.
import { spawn } from 'node:child_process';
import { freePort } from '../scripts/pg.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function run({ conn, key, req, dataDir }) {
  const cluster = `bench-failover-${process.pid}`;
  const start = async () => {
    const port = await freePort();
    const p = spawn('dotnet', ['api/bin/Release/net10.0/Exports.Api.dll'], {
      env: {
        ...process.env, EXPORTS_DB: conn, EXPORTS_PORT: String(port), EXPORTS_DEMO_API_KEY: key, EXPORTS_DATA_DIR: dataDir,
        EXPORTS_SEED: 'false', EXPORTS_SCHEDULER_NAME: cluster, EXPORTS_WORKER_CONCURRENCY: '2',
        EXPORTS_QUOTA_CONCURRENT: '1000', EXPORTS_QUOTA_PER_HOUR: '100000', EXPORTS_STREAMS_PER_OWNER: '1000',
      },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${base}/health`)).ok) break; } catch { /* starting */ }
      if (i > 600) throw new Error('failover node did not start');
      await sleep(250);
    }
    return { p, base };
  };
  const a = await start();
  const b = await start();
  try {
    // The uninterrupted peer repeats the killed export: Cache-Control: no-cache keeps it computed, not a cache hit.
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'cache-control': 'no-cache' };
    const get = async (base, id) => {
      const r = await fetch(`${base}/api/v1/exports/${id}`, { headers });
      if (!r.ok) throw new Error(`GET job ${id}: ${r.status} ${await r.text()}`);
      return r.json();
    };
    const submit = async (base) => {
      const r = await fetch(`${base}/api/v1/exports`, { method: 'POST', headers, body: JSON.stringify({ kind: 'series', series: req(14, 'long') }) });
      if (r.status !== 202) throw new Error(`${r.status} ${await r.text()}`);
      return (await r.json()).id;
    };
    const until = async (base, id, ok) => {
      for (;;) {
        const j = await get(base, id);
        if (ok(j)) return j;
        if (['failed', 'cancelled', 'expired'].includes(j.status)) throw new Error(`job ${id} ${j.status}: ${j.error}`);
        await sleep(20);
      }
    };
    const pidOf = (j) => Number(j.node.split(':')[1]);

    const t0 = performance.now();
    const alone = await until(a.base, await submit(a.base), (j) => j.status === 'completed');
    const aloneMs = performance.now() - t0;

    const id = await submit(a.base);
    const running = await until(a.base, id, (j) => j.status === 'processing' && j.bytesWritten > 1_000_000);
    const [victim, survivor] = pidOf(running) === a.p.pid ? [a, b] : [b, a];
    victim.p.kill('SIGKILL');
    const killed = performance.now();
    await until(survivor.base, id, (j) => j.status === 'processing' && j.node && pidOf(j) === survivor.p.pid);
    const pickupMs = performance.now() - killed;
    const done = await until(survivor.base, id, (j) => j.status === 'completed');
    const doneMs = performance.now() - killed;
    if (done.rowCount !== alone.rowCount || done.checksum !== alone.checksum) throw new Error('the recovered job wrote a different file');
    const res = { pickupMs, doneMs, aloneMs, attempts: done.attempts, rows: done.rowCount };
    console.log(JSON.stringify(res));
    return [
      `| Failover: SIGKILL of the node running a ${res.rows.toLocaleString('en')}-row CSV job (2 nodes, default settings) | kill to running on the other node | kill to completed | the same job uninterrupted | kill to completed vs uninterrupted |`,
      '|---|---:|---:|---:|---:|',
      `| EXPORTS_NODE_STALE_MS 5000, EXPORTS_DURABILITY_POLL_MS 1000 | ${(pickupMs / 1000).toFixed(1)} s | ${(doneMs / 1000).toFixed(1)} s | ${(aloneMs / 1000).toFixed(1)} s | **${(doneMs / aloneMs).toFixed(2)}x** |`,
    ];
  } finally {
    for (const n of [a, b]) { try { n.p.kill('SIGKILL'); } catch { /* gone */ } }
  }
}
