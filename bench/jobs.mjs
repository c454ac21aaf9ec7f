// Background jobs: 8 concurrent 1M-row CSV jobs against 8x the time of one such job alone (same run, same API),
// with the API's peak RSS while the eight run; and throughput of small exports as background jobs against the same
// exports streamed synchronously by the same client (2 at a time, one per core).
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Submitting a background export and polling it to completion (every pollMs), through the API.
function jobsClient(base, key, pollMs) {
  // These parts measure exports that run: Cache-Control: no-cache keeps the result cache from answering the repeats.
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'cache-control': 'no-cache' };
  const submit = async (series) => {
    const r = await fetch(`${base}/api/v1/exports`, { method: 'POST', headers, body: JSON.stringify({ kind: 'series', series }) });
    if (r.status !== 202) throw new Error(`${r.status} ${await r.text()}`);
    return (await r.json()).id;
  };
  const wait = async (id) => {
    for (;;) {
      const r = await fetch(`${base}/api/v1/exports/${id}`, { headers });
      if (!r.ok) throw new Error(`GET job ${id}: ${r.status} ${await r.text()}`);
      const j = await r.json();
      if (j.status === 'completed') return j;
      if (['failed', 'cancelled', 'expired'].includes(j.status)) throw new Error(`job ${id} ${j.status}: ${j.error}`);
      await sleep(pollMs);
    }
  };
  // Following a job as the SPA does (web/src/lib/use-export-events.ts): its Server-Sent Events stream, which the
  // server feeds from the job's record every 250 ms and ends after the final state. One request per job, instead of
  // one every pollMs.
  const follow = async (id) => {
    const r = await fetch(`${base}/api/v1/exports/${id}/events`, { headers });
    if (!r.ok) throw new Error(`GET job ${id} events: ${r.status} ${await r.text()}`);
    const decoder = new TextDecoder();
    let text = '', last = null;
    for await (const chunk of r.body) {
      text += decoder.decode(chunk, { stream: true });
      for (let end; (end = text.indexOf('\n\n')) >= 0; text = text.slice(end + 2)) {
        const lines = text.slice(0, end).split('\n');
        const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
        const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
        if (event === 'state') last = JSON.parse(data);
      }
    }
    if (last?.status === 'completed') return last;
    throw new Error(`job ${id} ${last?.status ?? 'stream ended without a state'}: ${last?.error ?? ''}`);
  };
  return { headers, submit, wait, follow };
}

export async function run({ base, key, rss, req }) {
  const { headers, submit, follow: wait } = jobsClient(base, key, 50);
  const timed = async (fn) => { const t0 = performance.now(); const v = await fn(); return { ms: performance.now() - t0, v }; };

  const big = req(14, 'long');
  await wait(await submit(big)); // warm-up
  const single = await timed(async () => wait(await submit(big)));
  let peak = rss();
  const sampler = setInterval(() => { peak = Math.max(peak, rss()); }, 10);
  const eight = await timed(async () => Promise.all(Array.from({ length: 8 }, async () => wait(await submit(big)))));
  clearInterval(sampler);
  const rows = single.v.rowCount;
  if (eight.v.some((j) => j.rowCount !== rows || j.checksum !== single.v.checksum)) throw new Error('concurrent jobs wrote different files');

  const small = req(1 / 24, 'long');
  // Three measured rounds of 200 each way, alternating, the median pair reported: one burst of 60 lasted about a
  // second, and one run then said little more than +-0.05.
  const n = 200, rounds = 3;
  const streamOne = async () => {
    const r = await fetch(`${base}/api/v1/exports/series`, { method: 'POST', headers, body: JSON.stringify(small) });
    if (!r.ok) throw new Error(`${r.status}`);
    for await (const _ of r.body) { /* drain */ }
  };
  const asJobs = (count) => Promise.all(Array.from({ length: count }, async () => wait(await submit(small))));
  const streamed = async (count) => {
    let left = count;
    await Promise.all([0, 1].map(async () => { while (left-- > 0) await streamOne(); }));
  };
  // Both ways warmed alike first (JIT tiering, plans, pools), as the streamed comparisons above warm both sides: a
  // single warm-up job left the jobs' own code paths tiering up during the measured burst.
  await asJobs(n / 2);
  await streamed(n / 2);
  const pairs = [];
  for (let i = 0; i < rounds; i++) {
    const jobs = await timed(() => asJobs(n));
    const sync = await timed(() => streamed(n));
    pairs.push({ jobsPerMin: n / (jobs.ms / 60000), syncPerMin: n / (sync.ms / 60000) });
  }
  pairs.sort((a, b) => a.jobsPerMin / a.syncPerMin - b.jobsPerMin / b.syncPerMin);
  const median = pairs[Math.floor(rounds / 2)];
  const res = {
    rows, singleMs: single.ms, eightMs: eight.ms, ratio: eight.ms / (8 * single.ms), peakRssMB: peak / 1e6,
    smallRows: (await (await fetch(`${base}/api/v1/exports?limit=1`, { headers })).json()).items[0].rowCount,
    jobsPerMin: median.jobsPerMin, syncPerMin: median.syncPerMin, roundRatios: pairs.map((p) => +(p.jobsPerMin / p.syncPerMin).toFixed(2)),
  };
  console.log(JSON.stringify(res));
  return [
    `| Background CSV jobs (${rows.toLocaleString('en')} rows each) | one job alone | 8 at once | 8 at once vs 8x one alone | API peak RSS during the 8 |`,
    '|---|---:|---:|---:|---:|',
    `| 2 workers on ${(await import('node:os')).availableParallelism()} cores | ${(res.singleMs / 1000).toFixed(2)} s | ${(res.eightMs / 1000).toFixed(2)} s | **${res.ratio.toFixed(2)}x** | ${res.peakRssMB.toFixed(0)} MB |`,
    '',
    `| Small exports (${res.smallRows.toLocaleString('en')} rows, CSV), ${rounds} rounds of ${n} each way | per minute (median round) | against streaming the same exports synchronously (2 at a time) | each round |`,
    '|---|---:|---:|---:|',
    `| as background jobs (queued, run, stored, each followed over its SSE stream) | ${res.jobsPerMin.toFixed(0)} | **${(res.jobsPerMin / res.syncPerMin).toFixed(2)}x** (${res.syncPerMin.toFixed(0)}/min streamed) | ${res.roundRatios.map((r) => r.toFixed(2) + 'x').join(', ')} |`,
  ];
}

// Submit to start on an idle node: 50 small jobs one after another, from the server's own timestamps (the job's record
// is written at submit; started when a worker took its message from the queue and began). Peer: the same export
// streamed, time to its first byte (what a client of the synchronous route waits before data flows).
export async function latency({ base, key, req }) {
  const { headers, submit, wait } = jobsClient(base, key, 20);
  const tiny = req(1 / 96, 'long');
  await wait(await submit(tiny)); // warm-up
  const toStart = [];
  for (let i = 0; i < 50; i++) {
    const j = await wait(await submit(tiny));
    toStart.push(Date.parse(j.startedAt) - Date.parse(j.createdAt));
  }
  const firstByte = [];
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    const r = await fetch(`${base}/api/v1/exports/series`, { method: 'POST', headers, body: JSON.stringify(tiny) });
    if (!r.ok) throw new Error(`${r.status}`);
    let first = null;
    for await (const _ of r.body) { if (first === null) first = performance.now() - t0; }
    firstByte.push(first);
  }
  const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
  const res = { startP50: pct(toStart, 0.5), startP95: pct(toStart, 0.95), firstByteP50: pct(firstByte, 0.5), firstByteP95: pct(firstByte, 0.95) };
  console.log(JSON.stringify(res));
  return [
    '| Idle node, 50 small exports one after another | p50 | p95 | the same export streamed: time to first byte (p50 / p95) | ratio (p50) |',
    '|---|---:|---:|---:|---:|',
    `| submit to start (the record's createdAt to startedAt) | ${res.startP50.toFixed(0)} ms | ${res.startP95.toFixed(0)} ms | ${res.firstByteP50.toFixed(0)} ms / ${res.firstByteP95.toFixed(0)} ms | **${(res.startP50 / res.firstByteP50).toFixed(2)}x** |`,
  ];
}
