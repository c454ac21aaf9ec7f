// Live fan-out (issue 15): 1,000 rows/s ingested for 30 s into a timeseries source read by 50 SSE subscribers and 5
// webhook sinks, all on loopback, against the same ingest into a source without any consumer (no stream token, no
// sink: its ingests write no live log), in the same run, on the same API.
// - Ingest: 10 POSTs of 100 points a second, each sent at its own wall-clock slot (t0 + i x 100 ms) whether or not the
//   ones before have answered (open loop), every row new (its own series and timestamp), so every row is news.
// - Commit time: the POST's response (the ingest commits before it answers, so this is an upper bound of the commit
//   and the latencies from it are lower bounds); the POST's send time is the other bound, reported beside it.
// - SSE: 5 stream tokens x 10 streams (EXPORTS_LIVE_STREAMS_PER_TOKEN's default is 10, _PER_OWNER's 100: the 50 fit
//   the defaults), real HTTP clients reading text/event-stream. Each must see every seq of the source exactly once
//   (a coalesced event covers fromSeq..seq) and every row once.
// - Sinks: 5 receivers (HTTP servers in this process) check each Exports-Signature (HMAC-SHA256 of "t.body"), that
//   `sequence` grows by one per batch, and drop repeats by Idempotency-Key; every sink must get every row once. The
//   sinks keep the defaults (batchMs 1000, maxBatch 500), so their latency includes the batching.
// - Memory: the API's RSS every 250 ms over the fan-out run: at the start of its ingest (the 50 streams and 5 sinks
//   connected), the peak and the end over the ingest and the drain, and the slope of a least-squares line over the
//   last 20 s of the ingest. CPU seconds of the API, PostgreSQL (the postmaster's children) and this process, and the
//   database's transactions a second, during each ingest.
// - A POST refused for load (503/429) is counted and shown beside the rows/s, not retried.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : NaN; };
const TICKS = 100; // clock ticks a second (/proc/<pid>/stat)

/** CPU seconds (user + system) of a process and, with children, of every process whose parent it is (PostgreSQL's backends). */
function cpuSeconds(pid, children = false) {
  const stat = (p) => {
    try {
      const text = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' '); // f[0] is the state, f[1] the parent, f[11..12] utime, stime
      return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICKS };
    } catch { return null; } // gone meanwhile
  };
  let total = stat(pid)?.cpu ?? 0;
  if (children) for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) { const s = stat(p); if (s?.ppid === pid) total += s.cpu; }
  return total;
}

export async function run({ base, key, rss, apiPid, pgPid, scalar, seconds = Number(process.env.BENCH_LIVE_SECONDS || 30), rate = 1000 }) {
  const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const api = async (method, path, body, want) => {
    const r = await fetch(`${base}/api/v1${path}`, { method, headers: auth, body: body && JSON.stringify(body) });
    if (r.status !== want) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const stamp = Date.now();
  const plain = `live-bench-plain-${stamp}`, fanned = `live-bench-fanout-${stamp}`;
  for (const name of [plain, fanned]) await api('POST', '/sources', { name, kind: 'timeseries' }, 201);

  const perPost = 100, postsPerSecond = rate / perPost, posts = seconds * postsPerSecond, gapMs = 1000 / postsPerSecond;
  // Row k of post j: series host-(k % 10), timestamp T0 + j x 10 ms + floor(k / 10) ms: no two rows of a source share
  // a series and a timestamp, and a row names its post. Each source (and the warm-up) has its own T0.
  const rowsOf = (t0, j) => {
    const rows = [];
    for (let k = 0; k < perPost; k++)
      rows.push({ timestamp: new Date(t0 + j * 10 + Math.floor(k / 10)).toISOString(), metric: 'live_bench', value: j + k / 1000, tags: { host: `host-${k % 10}` } });
    return JSON.stringify(rows);
  };
  const postOf = (t0, row) => Math.floor((Date.parse(row.ts) - t0) / 10);
  const rowKey = (row) => `${row.tags.host}|${row.ts}`;

  /** Ingests `count` posts into `source` at postsPerSecond, open loop; each post's send and response times. */
  async function ingest(source, t0, count) {
    const sent = new Array(count), done = new Array(count), late = [];
    const bodies = Array.from({ length: count }, (_, j) => rowsOf(t0, j));
    let accepted = 0, refused = 0, refusedWhy = null;
    const start = performance.now() + 50;
    const inflight = [];
    for (let j = 0; j < count; j++) {
      const at = start + j * gapMs;
      const wait = at - performance.now();
      if (wait > 0) await sleep(wait);
      sent[j] = performance.now();
      late.push(sent[j] - at);
      inflight.push(fetch(`${base}/api/v1/sources/${source}/points`, { method: 'POST', headers: auth, body: bodies[j] }).then(async (r) => {
        const text = await r.text();
        const at = performance.now();
        // A POST the API refuses for load (503: its streaming slots are all taken by ingests in flight; 429) wrote
        // nothing: counted and reported, not retried (retrying would hide that the offered rate was not absorbed).
        if (r.status === 503 || r.status === 429) { refused++; refusedWhy ??= `${r.status} ${JSON.parse(text).title}`; return; }
        if (!r.ok) throw new Error(`ingest ${source} #${j}: ${r.status} ${text.slice(0, 300)}`);
        done[j] = at;
        accepted += JSON.parse(text).accepted;
      }));
    }
    await Promise.all(inflight);
    const ok = [...done.keys()].filter((j) => done[j] !== undefined);
    const postMs = ok.map((j) => done[j] - sent[j]);
    const wall = (Math.max(...ok.map((j) => done[j])) - sent[0]) / 1000;
    return { sent, done, accepted, refused, refusedWhy, rowsPerSec: accepted / wall, postP50: pct(postMs, 0.5), postP95: pct(postMs, 0.95), lateP95: pct(late, 0.95) };
  }

  // With CPU, the database's committed transactions (pg_stat_database.xact_commit; each statement outside a
  // transaction is one), which says how much of PostgreSQL's work is the consumers' reads.
  const xacts = () => (scalar ? Number(scalar('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')) : NaN);
  const cpu = () => ({ api: cpuSeconds(apiPid), pg: pgPid ? cpuSeconds(pgPid, true) : NaN, bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6, xacts: xacts(), t: performance.now() });
  const cpuSince = (a) => { const b = cpu(); return { api: b.api - a.api, pg: b.pg - a.pg, bench: b.bench - a.bench, xactsPerSec: (b.xacts - a.xacts) / ((b.t - a.t) / 1000) }; };

  // Warm-up, both sources alike (JIT, plans, pools): 3 s each at the same pace; then the measured runs.
  const warm = Math.min(posts, 3 * postsPerSecond);
  await ingest(plain, Date.UTC(2026, 0, 1), warm);
  await ingest(fanned, Date.UTC(2026, 0, 1), warm);

  // Without any consumer.
  const T0 = Date.UTC(2026, 0, 2);
  let c0 = cpu();
  const alone = await ingest(plain, T0, posts);
  alone.cpu = cpuSince(c0);
  console.log(JSON.stringify({ live: 'no consumer', ...alone, sent: undefined, done: undefined }));

  // Consumers: 5 receivers + 5 sinks, 5 tokens x 10 streams.
  const samples = [];
  const sampler = setInterval(() => samples.push({ t: performance.now(), rss: rss() }), 250);
  samples.push({ t: performance.now(), rss: rss() });
  const receivers = [];
  for (let i = 0; i < 5; i++) {
    const secret = crypto.randomBytes(24).toString('hex');
    const rec = { secret, keys: new Set(), repeats: 0, badSig: 0, outOfOrder: 0, lastSeq: 0, rows: new Map(), dupRows: 0, arrivals: [], batches: 0 };
    rec.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        const body = Buffer.concat(chunks);
        const sig = Object.fromEntries(String(req.headers['exports-signature'] ?? '').split(',').map((p) => p.split('=', 2)));
        const expected = crypto.createHmac('sha256', secret).update(`${sig.t}.`).update(body).digest('hex');
        if (!sig.v1 || sig.v1.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(sig.v1), Buffer.from(expected))) {
          rec.badSig++;
          res.writeHead(401).end();
          return;
        }
        const idem = String(req.headers['idempotency-key']);
        if (rec.keys.has(idem)) { rec.repeats++; res.writeHead(200).end(); return; }
        rec.keys.add(idem);
        const b = JSON.parse(body);
        if (b.sequence !== rec.lastSeq + 1) rec.outOfOrder++;
        rec.lastSeq = b.sequence;
        rec.batches++;
        for (const row of b.rows) {
          const k = rowKey(row);
          if (rec.rows.has(k)) rec.dupRows++; else rec.rows.set(k, at);
        }
        res.writeHead(200).end();
      });
    });
    await new Promise((r) => rec.server.listen(0, '127.0.0.1', r));
    const sink = await api('POST', `/sources/${fanned}/sinks`, { url: `http://127.0.0.1:${rec.server.address().port}/hook`, secret, batchMs: 1000, maxBatch: 500 }, 201);
    rec.sink = sink;
    receivers.push(rec);
  }
  const subscribers = [];
  const abort = new AbortController();
  for (let t = 0; t < 5; t++) {
    const token = await api('POST', `/sources/${fanned}/stream-tokens`, { name: `bench-${t}`, origins: [] }, 201);
    for (let s = 0; s < 10; s++) {
      const sub = { seqs: new Map(), dupSeqs: 0, rows: new Map(), dupRows: 0, events: 0, gaps: 0, coalesced: 0, lastSeq: 0, error: null };
      const r = await fetch(token.url, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
      if (r.status !== 200) throw new Error(`stream ${t}/${s}: ${r.status} ${await r.text()}`);
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let text = '';
      // The first frame (retry:) is written once the stream's cursor is set: from then on every commit reaches it.
      let ready;
      const opened = new Promise((res) => { ready = res; });
      sub.done = (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            const at = performance.now();
            text += decoder.decode(value, { stream: true });
            for (let end; (end = text.indexOf('\n\n')) >= 0; text = text.slice(end + 2)) {
              const lines = text.slice(0, end).split('\n');
              if (lines.some((l) => l.startsWith('retry:'))) ready();
              const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
              const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
              if (!data) continue;
              if (event === 'gap') { sub.gaps++; continue; }
              const e = JSON.parse(data);
              sub.events++;
              if (e.fromSeq !== undefined) sub.coalesced++;
              for (let q = e.fromSeq ?? e.seq; q <= e.seq; q++) { if (sub.seqs.has(q)) sub.dupSeqs++; else sub.seqs.set(q, at); }
              sub.lastSeq = Math.max(sub.lastSeq, e.seq);
              for (const row of e.rows) { const k = rowKey(row); if (sub.rows.has(k)) sub.dupRows++; else sub.rows.set(k, at); }
            }
          }
        } catch (err) { if (!abort.signal.aborted) sub.error = String(err); }
        ready();
      })();
      await opened;
      subscribers.push(sub);
    }
  }

  const T1 = Date.UTC(2026, 0, 3);
  c0 = cpu();
  const rssStart = rss();
  const tIngest0 = performance.now();
  const fan = await ingest(fanned, T1, posts);
  const tIngest1 = performance.now();
  fan.cpu = cpuSince(c0);
  console.log(JSON.stringify({ live: 'fan-out', ...fan, sent: undefined, done: undefined }));

  // Drain: every subscriber has the source's last seq and every sink every row (or 60 s pass: then what is missing is reported).
  const expectedRows = fan.accepted;
  const deadline = performance.now() + 60_000;
  const complete = () => subscribers.every((s) => s.rows.size >= expectedRows) && receivers.every((r) => r.rows.size >= expectedRows);
  while (!complete() && performance.now() < deadline) await sleep(100);
  const drainMs = performance.now() - tIngest1;
  clearInterval(sampler);
  samples.push({ t: performance.now(), rss: rss() });
  const sinkViews = await Promise.all(receivers.map((r) => api('GET', `/sources/${fanned}/sinks/${r.sink.id}`, undefined, 200)));
  const deliveries = await Promise.all(receivers.map((r) => api('GET', `/sources/${fanned}/sinks/${r.sink.id}/deliveries`, undefined, 200)));
  abort.abort();
  await Promise.all(subscribers.map((s) => s.done));
  await Promise.all(receivers.map((r) => new Promise((res) => r.server.close(res))));

  // Seqs: the source's live log holds one event per accepted post here (100 rows, under EXPORTS_LIVE_CHUNK_ROWS),
  // numbered after the warm-up's (the subscribers connected after it); every subscriber must hold each exactly once.
  const seqCount = fan.accepted / perPost;
  const sse = {
    lostSeqs: subscribers.reduce((n, s) => n + (seqCount - s.seqs.size), 0),
    dupSeqs: subscribers.reduce((n, s) => n + s.dupSeqs, 0),
    lostRows: subscribers.reduce((n, s) => n + Math.max(0, expectedRows - s.rows.size), 0),
    dupRows: subscribers.reduce((n, s) => n + s.dupRows, 0),
    gaps: subscribers.reduce((n, s) => n + s.gaps, 0),
    errors: subscribers.filter((s) => s.error).map((s) => s.error),
    events: subscribers.reduce((n, s) => n + s.events, 0),
    coalesced: subscribers.reduce((n, s) => n + s.coalesced, 0),
  };
  const sinks = {
    lostRows: receivers.reduce((n, r) => n + Math.max(0, expectedRows - r.rows.size), 0),
    dupRows: receivers.reduce((n, r) => n + r.dupRows, 0),
    repeats: receivers.reduce((n, r) => n + r.repeats, 0),
    badSig: receivers.reduce((n, r) => n + r.badSig, 0),
    outOfOrder: receivers.reduce((n, r) => n + r.outOfOrder, 0),
    batches: receivers.reduce((n, r) => n + r.batches, 0),
    paused: sinkViews.filter((v) => v.status !== 'active').map((v) => `${v.status}: ${v.pausedReason}`),
    failedTries: deliveries.flat().filter((b) => b.attempts > 1 || b.status === 'failed').length,
  };

  // Latency per (consumer, post): when the consumer first held the post's rows, from the post's response (commit
  // upper bound) and from its send. A post is one event, so a subscriber gets its 100 rows at once; a sink's batch
  // may end inside an event, so its latency is taken at the post's last row.
  const latencies = (consumers) => {
    const fromDone = [], fromSent = [];
    for (const c of consumers) {
      const arrival = new Map();
      for (const [k, at] of c.rows) {
        const j = postOf(T1, { ts: k.split('|')[1] });
        arrival.set(j, Math.max(arrival.get(j) ?? 0, at));
      }
      for (const [j, at] of arrival) if (fan.done[j] !== undefined) { fromDone.push(at - fan.done[j]); fromSent.push(at - fan.sent[j]); }
    }
    return { p50: pct(fromDone, 0.5), p95: pct(fromDone, 0.95), max: Math.max(...fromDone), sentP50: pct(fromSent, 0.5), sentP95: pct(fromSent, 0.95), n: fromDone.length };
  };
  const sseLat = latencies(subscribers), sinkLat = latencies(receivers);

  // RSS: least-squares slope over the last 20 s of the ingest.
  const tail = samples.filter((s) => s.t >= tIngest1 - 20_000 && s.t <= tIngest1);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mt = mean(tail.map((s) => s.t)), mr = mean(tail.map((s) => s.rss));
  const slope = tail.reduce((a, s) => a + (s.t - mt) * (s.rss - mr), 0) / tail.reduce((a, s) => a + (s.t - mt) ** 2, 0); // bytes per ms
  const run = samples.filter((s) => s.t >= tIngest0);
  const mem = { beforeConsumers: samples[0].rss / 1e6, start: rssStart / 1e6, peak: Math.max(rssStart, ...run.map((s) => s.rss)) / 1e6, end: samples.at(-1).rss / 1e6, slopeMBPerMin: slope * 60_000 / 1e6 };

  const res = { seconds, posts, expectedRows, seqCount, drainMs, sse, sinks, sseLat, sinkLat, mem, alone: { ...alone, sent: undefined, done: undefined }, fan: { ...fan, sent: undefined, done: undefined }, ingestSeconds: (tIngest1 - tIngest0) / 1000 };
  console.log(JSON.stringify(res));

  const ms = (x) => `${x.toFixed(0)} ms`;
  const zero = (n) => (n === 0 ? '0' : `**${n}**`);
  const refusedNote = (x) => (x.refused ? ` (**${x.refused} of ${posts} POSTs refused**: ${x.refusedWhy})` : '');
  const c = (x) => `API ${x.api.toFixed(1)} s, PostgreSQL ${x.pg.toFixed(1)} s (${x.xactsPerSec.toFixed(0)} transactions/s), bench ${x.bench.toFixed(1)} s`;
  return [
    `| Live fan-out, ${rate.toLocaleString('en')} rows/s for ${seconds} s (${posts} POSTs of ${perPost} points), loopback | consumers | end-to-end p50 | p95 (goal < 250 ms) | max | from the POST's send: p50 / p95 | lost | duplicated |`,
    '|---|---|---:|---:|---:|---:|---:|---:|',
    `| SSE streams | 50 (5 tokens x 10) | ${ms(sseLat.p50)} | **${ms(sseLat.p95)}** | ${ms(sseLat.max)} | ${ms(sseLat.sentP50)} / ${ms(sseLat.sentP95)} | ${zero(sse.lostSeqs)} of ${(seqCount * 50).toLocaleString('en')} seqs, ${zero(sse.lostRows)} rows | ${zero(sse.dupSeqs)} seqs, ${zero(sse.dupRows)} rows |`,
    `| webhook sinks (batchMs 1000, maxBatch 500) | 5 (${sinks.batches} batches, ${sinks.repeats} repeats by key) | ${ms(sinkLat.p50)} | **${ms(sinkLat.p95)}** | ${ms(sinkLat.max)} | ${ms(sinkLat.sentP50)} / ${ms(sinkLat.sentP95)} | ${zero(sinks.lostRows)} of ${(expectedRows * 5).toLocaleString('en')} rows | ${zero(sinks.dupRows)} rows, ${zero(sinks.outOfOrder)} out of sequence, ${zero(sinks.badSig)} bad signatures |`,
    '',
    `| Live ingest, ${rate.toLocaleString('en')} rows/s offered for ${seconds} s | rows/s achieved | POST p50 | POST p95 | CPU during the ingest | API RSS: start / peak / end | RSS slope, last 20 s |`,
    '|---|---:|---:|---:|---|---:|---:|',
    `| no consumer (no token, no sink) | ${alone.rowsPerSec.toFixed(0)}${refusedNote(alone)} | ${ms(alone.postP50)} | ${ms(alone.postP95)} | ${c(alone.cpu)} | | |`,
    `| 50 SSE streams + 5 sinks | ${fan.rowsPerSec.toFixed(0)}${refusedNote(fan)} (**${(fan.rowsPerSec / alone.rowsPerSec).toFixed(2)}x**) | ${ms(fan.postP50)} | ${ms(fan.postP95)} | ${c(fan.cpu)} | ${mem.start.toFixed(0)} / ${mem.peak.toFixed(0)} / ${mem.end.toFixed(0)} MB | ${mem.slopeMBPerMin >= 0 ? '+' : ''}${mem.slopeMBPerMin.toFixed(1)} MB/min |`,
  ];
}
