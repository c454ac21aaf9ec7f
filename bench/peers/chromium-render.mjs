// The dashboard peer: headless Chromium drawing a dashboard with Chart.js, against which the native Cairo renderer is
// compared. One self-contained HTML page per layout (Chart.js UMD bundle, bench/peers/chromium/{page.css,dashboard.js}
// and the layout JSON inlined), rendered to PNG and PDF two ways:
//   cold: a fresh Chromium process per render, like a CLI (--screenshot / --print-to-pdf), timed from spawn to exit;
//   warm: one browser launched once through playwright-core, a fresh context + page per render (goto, wait for
//         window.__ready, screenshot / pdf), timed per render without the launch (as Grafana's image renderer runs).
// Peak RSS is the sum of VmRSS over the Chromium process tree (descendants of the browser pid, plus the crashpad
// handlers it double-forks, which end up under pid 1), sampled every 20 ms during the timed renders.
//   node bench/peers/chromium-render.mjs sample OUT.json
//   node bench/peers/chromium-render.mjs run LAYOUT.json OUTDIR [--runs N] [--decimate]
//     → prints {"coldPngMs","coldPdfMs","warmPngMs","warmPdfMs","coldPeakRssMB","warmPeakRssMB","pngBytes","pdfBytes"}
//       (medians of N runs, default 3, after one warm-up each; pngBytes/pdfBytes are the warm outputs') and writes
//       dashboard.html, cold.png, cold.pdf, warm.png, warm.pdf to OUTDIR. Progress goes to stderr.
//     --decimate turns on Chart.js's min/max decimation for line and area charts (by default every point is drawn).
// Environment: CHROMIUM=/path/to/binary (default: the ELF binary behind Debian's /usr/bin/chromium wrapper script).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL, fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const HEADER_H = 40; // dashboard title bar above the grid, when the layout has a title
const log = (...a) => console.error('[chromium-peer]', ...a);

// ---------------------------------------------------------------------------------------------------------------
// Sample layout
function sample(out) {
  let seed = 0x9e3779b9;
  const rand = () => { // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const t0 = 1764000000000; // 2025-11-24T16:00:00Z
  const N = 1440, STEP = 60000;
  const hosts = ['web-01', 'web-02', 'web-03', 'web-04', 'web-05', 'db-01', 'db-02', 'db-03', 'db-04', 'db-05'];
  const round = (v, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
  // A daily wave + random walk + occasional spikes, clamped to [lo, hi].
  const series = ({ base, amp, noise, lo = 0, hi = Infinity, digits = 2, spikes = 0 }) => hosts.map((name) => {
    let walk = 0;
    const b = base * (0.7 + 0.6 * rand()), phase = rand() * Math.PI * 2;
    const points = new Array(N);
    for (let i = 0; i < N; i++) {
      walk = walk * 0.97 + (rand() - 0.5) * noise;
      let v = b + amp * b * Math.sin((i / N) * Math.PI * 2 + phase) + walk + (rand() < spikes ? b * (1 + rand()) : 0);
      v = Math.min(hi, Math.max(lo, v));
      points[i] = [t0 + i * STEP, round(v, digits)];
    }
    return { name, points };
  });
  const widgets = [
    { id: 'stat', type: 'stat', title: 'Availability (24 h)', x: 0, y: 0, w: 2, h: 3, value: 99.93, unit: '%' },
    { id: 'notes', type: 'text', title: 'Notes', x: 2, y: 0, w: 4, h: 3,
      text: '## On call: *platform*\nLast **24 hours** across the `web` and `db` fleets.\n\n- CPU and memory per host\n- Requests and errors are *per minute*, stacked\n- Runbook: [wiki/ops](https://example.com/wiki/ops)' },
    { id: 'summary', type: 'table', title: 'CPU per host', x: 6, y: 0, w: 6, h: 3, unit: '%',
      series: series({ base: 35, amp: 0.3, noise: 4, lo: 0, hi: 100, spikes: 0.002 }) },
    { id: 'cpu', type: 'line', title: 'CPU', x: 0, y: 3, w: 3, h: 3, unit: '%', series: series({ base: 35, amp: 0.3, noise: 4, lo: 0, hi: 100, spikes: 0.002 }) },
    { id: 'mem', type: 'area', title: 'Memory used', x: 3, y: 3, w: 3, h: 3, unit: 'GB', series: series({ base: 12, amp: 0.1, noise: 0.3, lo: 0, digits: 3 }) },
    { id: 'req', type: 'bar', title: 'Requests / min', x: 6, y: 3, w: 3, h: 3, series: series({ base: 900, amp: 0.5, noise: 80, lo: 0, digits: 0 }) },
    { id: 'load', type: 'line', title: 'Load average', x: 9, y: 3, w: 3, h: 3, series: series({ base: 2, amp: 0.4, noise: 0.3, lo: 0 }) },
    { id: 'disk', type: 'line', title: 'Disk used', x: 0, y: 6, w: 3, h: 4, unit: '%', series: series({ base: 55, amp: 0.02, noise: 0.2, lo: 0, hi: 100 }) },
    { id: 'net', type: 'area', title: 'Network in', x: 3, y: 6, w: 3, h: 4, unit: 'Mbps', series: series({ base: 120, amp: 0.5, noise: 25, lo: 0, spikes: 0.003 }) },
    { id: 'err', type: 'bar', title: 'Errors / min', x: 6, y: 6, w: 3, h: 4, series: series({ base: 3, amp: 0.6, noise: 2, lo: 0, digits: 0, spikes: 0.01 }) },
    { id: 'lat', type: 'line', title: 'p95 latency', x: 9, y: 6, w: 3, h: 4, unit: 'ms', series: series({ base: 180, amp: 0.25, noise: 30, lo: 5, spikes: 0.004 }) },
  ];
  const layout = { title: 'Ops overview', width: 1600, height: 1000, theme: 'light',
    grid: { columns: 12, rowHeight: 80, gap: 8, padding: 16 }, widgets };
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(layout));
  log(`wrote ${out} (${(fs.statSync(out).size / 1e6).toFixed(1)} MB, ${widgets.length} widgets)`);
}

// ---------------------------------------------------------------------------------------------------------------
// The page
const THEMES = {
  light: { bg: '#f4f5f5', panel: '#ffffff', border: '#dce1e6', fg: '#24292e', muted: '#6e7781', gridline: 'rgba(36,41,46,0.10)',
    band: '#f6f8fa', stat: '#1a7f37', link: '#1f62e0' },
  dark: { bg: '#111217', panel: '#181b1f', border: '#2c3235', fg: '#ccccdc', muted: '#8e8e9e', gridline: 'rgba(204,204,220,0.10)',
    band: '#1f2226', stat: '#73bf69', link: '#6e9fff' },
};

function chartJsBundle() {
  const main = createRequire(path.join(repo, 'e2e', 'package.json')).resolve('chart.js'); // …/chart.js/dist/chart.cjs
  for (const name of ['chart.umd.min.js', 'chart.umd.js']) {
    const f = path.join(path.dirname(main), name);
    if (fs.existsSync(f)) return fs.readFileSync(f, 'utf8');
  }
  throw new Error(`no Chart.js UMD bundle next to ${main} (npm install -D -w e2e chart.js)`);
}

function buildPage(layout, options = {}) {
  const { width: W, height: H, grid } = layout;
  const theme = THEMES[layout.theme] || THEMES.light;
  const vars = {
    'page-w': `${W}px`, 'page-h': `${H}px`, 'header-h': `${layout.title ? HEADER_H : 0}px`, columns: grid.columns,
    'row-h': `${grid.rowHeight}px`, gap: `${grid.gap}px`, pad: `${grid.padding}px`, ...theme,
  };
  const root = Object.entries(vars).map(([k, v]) => `--${k}: ${v};`).join(' ');
  const script = (s) => s.replace(/<\/script/gi, '<\\/script');
  const json = JSON.stringify(layout).replace(/</g, '\\u003c');
  const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(layout.title || 'dashboard')}</title>
<style>:root { ${root} } @page { size: ${W}px ${H}px; margin: 0; }
${fs.readFileSync(path.join(here, 'chromium', 'page.css'), 'utf8')}</style>
</head><body>
${layout.title ? `<header><h1>${esc(layout.title)}</h1></header>` : ''}<main class="grid"></main>
<script id="layout" type="application/json">${json}</script>
<script>window.__benchOptions = ${JSON.stringify(options)};</script>
<script>${script(chartJsBundle())}</script>
<script>${script(fs.readFileSync(path.join(here, 'chromium', 'dashboard.js'), 'utf8'))}</script>
</body></html>
`;
}

// ---------------------------------------------------------------------------------------------------------------
// Process-tree RSS sampling
const ownChildren = (pid) => {
  const out = [];
  let tasks = [];
  try { tasks = fs.readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const t of tasks) {
    try { for (const c of fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ')) if (c.trim()) out.push(Number(c)); } catch { /* gone */ }
  }
  return out;
};
function procTable() { // pid → { ppid, comm }
  const table = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (d.charCodeAt(0) < 48 || d.charCodeAt(0) > 57) continue;
    let s;
    try { s = fs.readFileSync(`/proc/${d}/stat`, 'utf8'); } catch { continue; }
    const close = s.lastIndexOf(')');
    table.set(Number(d), { comm: s.slice(s.indexOf('(') + 1, close), ppid: Number(s.slice(close + 2).split(' ')[1]) });
  }
  return table;
}
const crashpads = (table = procTable()) => new Set([...table].filter(([, p]) => p.comm.startsWith('chrome_crashpad')).map(([pid]) => pid));
function vmRss(pid) {
  try { const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8')); return m ? Number(m[1]) * 1024 : 0; } catch { return 0; }
}
// Samples sum(VmRSS) of root's descendants (and of crashpad handlers not in `before`) every 20 ms; stop() → peak bytes.
class RssSampler {
  constructor(rootPid, before) {
    this.root = rootPid; this.before = before; this.peak = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), 20);
  }
  sample() {
    const root = this.root;
    const table = procTable();
    const kids = new Map();
    for (const [pid, p] of table) { if (!kids.has(p.ppid)) kids.set(p.ppid, []); kids.get(p.ppid).push(pid); }
    const tree = new Set([root]);
    for (const pid of tree) for (const c of kids.get(pid) || []) tree.add(c);
    for (const pid of crashpads(table)) if (!this.before.has(pid)) tree.add(pid);
    let sum = 0;
    for (const pid of tree) sum += vmRss(pid);
    if (sum > this.peak) this.peak = sum;
  }
  stop() { clearInterval(this.timer); this.sample(); return this.peak; }
}

// ---------------------------------------------------------------------------------------------------------------
// Renders
function chromiumBinary() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  let bin;
  try { bin = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim(); } catch { throw new Error('chromium not found on PATH (set CHROMIUM)'); }
  // Debian's /usr/bin/chromium is a shell wrapper that execs /usr/lib/chromium/chromium with extra flags
  // (--enable-gpu-rasterization, --load-extension=…, …); run the binary itself so cold and warm launch the same thing.
  const head = fs.readFileSync(bin).subarray(0, 2).toString();
  if (head === '#!' && fs.existsSync('/usr/lib/chromium/chromium')) return '/usr/lib/chromium/chromium';
  return bin;
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const live = new Set(); // cold Chromium processes still running (killed on error / signal)

// Resolves to { ms, peak } (peak: max summed RSS of the process tree, when `measure`).
function coldRender(bin, kind, { url, out, W, H, profile }, measure) {
  fs.rmSync(out, { force: true });
  const before = measure ? crashpads() : null;
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=${W},${H}`,
    `--user-data-dir=${profile}`, '--no-first-run', '--force-color-profile=srgb', '--virtual-time-budget=5000',
    ...(kind === 'png' ? [`--screenshot=${out}`] : [`--print-to-pdf=${out}`, '--no-pdf-header-footer']),
    url,
  ];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true }); // own process group
    live.add(child);
    const sampler = measure ? new RssSampler(child.pid, before) : null;
    let err = '';
    child.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 120000);
    child.on('error', (e) => { sampler?.stop(); reject(e); });
    child.on('exit', (code, signal) => {
      const ms = performance.now() - t0;
      const peak = sampler ? sampler.stop() : 0;
      clearTimeout(timer);
      live.delete(child);
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* group already gone */ }
      if (code !== 0 || !fs.existsSync(out) || fs.statSync(out).size === 0) {
        reject(new Error(`cold ${kind}: chromium exited ${code ?? signal}, ${fs.existsSync(out) ? 'empty' : 'no'} output\n${err}`));
      } else resolve({ ms, peak });
    });
  });
}

async function warmRender(browser, kind, { url, out, W, H }) {
  const t0 = performance.now();
  const ctx = await browser.newContext({ viewport: { width: W, height: H }, deviceScaleFactor: 1 });
  try {
    const page = await ctx.newPage();
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__ready === true || window.__error, null, { timeout: 60000 });
    const { error, timings } = await page.evaluate(() => ({ error: window.__error, timings: window.__timings }));
    if (error) throw new Error(`page failed: ${error}`);
    warmRender.drawMs = timings?.total;
    const buf = kind === 'png'
      ? await page.screenshot({ fullPage: true, type: 'png' })
      : await page.pdf({ width: `${W}px`, height: `${H}px`, printBackground: true });
    fs.writeFileSync(out, buf);
    return performance.now() - t0;
  } finally {
    await ctx.close();
  }
}

async function loadChromium() {
  try { return (await import('playwright-core')).chromium; } catch { return (await import('@playwright/test')).chromium; }
}

async function run(layoutFile, outDir, runs, options) {
  const layout = JSON.parse(fs.readFileSync(layoutFile, 'utf8'));
  const W = layout.width, H = layout.height;
  const bin = chromiumBinary();
  fs.mkdirSync(outDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-peer-'));
  let browser;
  const cleanup = () => {
    for (const c of live) { try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ } }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = (sig) => { log(`${sig}, cleaning up`); cleanup(); browser?.close().catch(() => {}); process.exit(130); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const html = buildPage(layout, options);
    const page = path.join(tmp, 'dashboard.html');
    fs.writeFileSync(page, html);
    fs.copyFileSync(page, path.join(outDir, 'dashboard.html'));
    const url = pathToFileURL(page).href;
    log(`${bin}, page ${(html.length / 1e6).toFixed(1)} MB, ${W}x${H}, ${runs} run(s) + 1 warm-up${options.decimate ? ', decimated' : ''}`);

    // Cold: a fresh process (and a fresh profile) per render.
    let n = 0;
    const cold = async (kind, measure) => {
      const profile = path.join(tmp, `profile-${n++}`);
      try { return await coldRender(bin, kind, { url, out: path.join(outDir, `cold.${kind}`), W, H, profile }, measure); }
      finally { fs.rmSync(profile, { recursive: true, force: true }); }
    };
    await cold('png'); await cold('pdf'); // warm-up: page cache for the binary, fonts, …
    const coldTimes = { png: [], pdf: [] };
    let coldPeak = 0;
    for (let i = 0; i < runs; i++) {
      for (const kind of ['png', 'pdf']) {
        const { ms, peak } = await cold(kind, true);
        coldTimes[kind].push(ms);
        coldPeak = Math.max(coldPeak, peak);
      }
      log(`cold run ${i + 1}: png ${coldTimes.png.at(-1).toFixed(0)} ms, pdf ${coldTimes.pdf.at(-1).toFixed(0)} ms`);
    }

    // Warm: one browser, a fresh context + page per render.
    const chromium = await loadChromium();
    const before = crashpads();
    const known = new Set(ownChildren(process.pid));
    browser = await chromium.launch({ executablePath: bin, args: ['--no-sandbox', '--disable-gpu'] });
    const table = procTable();
    const rootPid = ownChildren(process.pid).find((p) => !known.has(p) && table.get(p)?.comm === path.basename(bin).slice(0, 15));
    if (!rootPid) throw new Error('could not find the launched browser among our child processes');
    await warmRender(browser, 'png', { url, out: path.join(outDir, 'warm.png'), W, H });
    await warmRender(browser, 'pdf', { url, out: path.join(outDir, 'warm.pdf'), W, H });
    const warmTimes = { png: [], pdf: [] };
    const sampler = new RssSampler(rootPid, before);
    let warmPeak;
    try {
      for (let i = 0; i < runs; i++) {
        for (const kind of ['png', 'pdf']) warmTimes[kind].push(await warmRender(browser, kind, { url, out: path.join(outDir, `warm.${kind}`), W, H }));
        log(`warm run ${i + 1}: png ${warmTimes.png.at(-1).toFixed(0)} ms, pdf ${warmTimes.pdf.at(-1).toFixed(0)} ms (in-page layout + draw ${warmRender.drawMs} ms)`);
      }
    } finally {
      warmPeak = sampler.stop();
    }
    await browser.close();
    browser = undefined;

    const r1 = (v) => Math.round(v * 10) / 10;
    const mb = (b) => r1(b / 1048576);
    console.log(JSON.stringify({
      coldPngMs: r1(median(coldTimes.png)), coldPdfMs: r1(median(coldTimes.pdf)),
      warmPngMs: r1(median(warmTimes.png)), warmPdfMs: r1(median(warmTimes.pdf)),
      coldPeakRssMB: mb(coldPeak), warmPeakRssMB: mb(warmPeak),
      pngBytes: fs.statSync(path.join(outDir, 'warm.png')).size, pdfBytes: fs.statSync(path.join(outDir, 'warm.pdf')).size,
    }));
    log(`cold outputs: png ${fs.statSync(path.join(outDir, 'cold.png')).size} B, pdf ${fs.statSync(path.join(outDir, 'cold.pdf')).size} B; files in ${outDir}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// ---------------------------------------------------------------------------------------------------------------
const [cmd, ...rest] = process.argv.slice(2);
const usage = 'usage: chromium-render.mjs sample OUT.json | run LAYOUT.json OUTDIR [--runs N] [--decimate]';
if (cmd === 'sample' && rest[0]) sample(rest[0]);
else if (cmd === 'run' && rest[0] && rest[1]) {
  const i = rest.indexOf('--runs');
  const runs = i >= 0 ? Number(rest[i + 1]) : 3;
  if (!Number.isInteger(runs) || runs < 1) { console.error(usage); process.exit(2); }
  try { await run(rest[0], rest[1], runs, { decimate: rest.includes('--decimate') }); } catch (e) { console.error(e?.stack || e); process.exitCode = 1; }
} else { console.error(usage); process.exit(2); }
