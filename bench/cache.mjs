// Result cache (Jobs/ResultCache): the second of two identical 1M-row CSV exports as background jobs, time from submit
// to completed against the first's (computed: sent with Cache-Control: no-cache, so a file an earlier part of the
// bench left does not answer it), both files checked equal by checksum; and the hit rate of a schedule running its
// template twice (two manual runs, POST /schedules/{id}/run, as a cron cannot fire twice within the bench).
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function run({ base, key, req }) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const post = async (path, body, extra = {}) => {
    const r = await fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const completed = async (id) => {
    for (;;) {
      const j = await (await fetch(`${base}/api/v1/exports/${id}`, { headers })).json();
      if (j.status === 'completed') return j;
      if (['failed', 'cancelled', 'expired'].includes(j.status)) throw new Error(`job ${id} ${j.status}: ${j.error}`);
      await sleep(10);
    }
  };
  const timedJob = async (series, extra) => {
    const t0 = performance.now();
    const job = await completed((await post('/exports', { kind: 'series', series }, extra)).id);
    return { ms: performance.now() - t0, job };
  };

  const big = req(14, 'long');
  const first = await timedJob(big, { 'cache-control': 'no-cache' });
  const second = await timedJob(big);
  if (second.job.checksum !== first.job.checksum || second.job.rowCount !== first.job.rowCount) throw new Error('the second export differs from the first');
  // Counted, not assumed: which of the two the cache answered (the first asked it not to).
  const submits = [first, second];
  const submitHits = submits.filter((s) => s.job.cache?.hit).length;

  // A schedule running its template twice (two manual runs: a cron cannot fire twice within the bench). Templates
  // hold relative ranges only, and each run resolves its range at its own instant: two different ranges, so the
  // cache, which answers only the same absolute range, is expected to answer neither. Measured, not assumed.
  const template = await post('/templates', {
    name: `bench cache ${Date.now()}`,
    request: { kind: 'series', series: { source: 'servers', granularity: 'raw', shape: 'long', format: 'csv', timeframe: { last: '1h' } } },
  });
  const schedule = await post('/schedules', { templateId: template.id, frequency: { every: 'weekly', days: ['MON'], time: '09:00' }, timezone: 'UTC' });
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const run = await post(`/schedules/${schedule.id}/run`, {});
    runs.push(await completed(run.exportId));
  }
  const hits = runs.filter((j) => j.cache?.hit).length;
  const res = {
    rows: first.job.rowCount, firstMs: first.ms, secondMs: second.ms, ratio: second.ms / first.ms, secondHit: !!second.job.cache?.hit,
    submits: submits.length, submitHits, scheduleRuns: runs.length, scheduleHits: hits,
  };
  const rate = (hit, all) => `${((100 * hit) / all).toFixed(0)}%`;
  console.log(JSON.stringify(res));
  return [
    `| Result cache, CSV job of ${res.rows.toLocaleString('en')} rows | first (computed) | second, identical (${res.secondHit ? 'cache hit' : 'computed: NOT a cache hit'}) | second vs first |`,
    '|---|---:|---:|---:|',
    `| submit to completed, polled every 10 ms | ${(res.firstMs / 1000).toFixed(2)} s | ${(res.secondMs / 1000).toFixed(3)} s | **${res.ratio.toFixed(3)}x** |`,
    '',
    '| Hit rate | runs | cache hits | hit rate |',
    '|---|---:|---:|---:|',
    `| two identical submits (the 1M-row export above; the first sent with no-cache) | ${res.submits} | ${res.submitHits} | **${rate(res.submitHits, res.submits)}** |`,
    `| a schedule running its template twice (\`last: "1h"\`, two manual runs) | ${res.scheduleRuns} | ${res.scheduleHits} | **${rate(res.scheduleHits, res.scheduleRuns)}** |`,
  ];
}
