// Visual exports: the seeded ops dashboard (10 widgets, 1,440 points per series) drawn natively by Cairo
// (bench/Exports.Bench, in-process, median of N after a warm-up) against headless Chromium + Chart.js drawing the
// same data from a static page (bench/peers/chromium-render.mjs), cold (a process per render) and warm (one browser,
// a fresh page per render). The data comes from the render CLI's dump of the dashboard: both sides draw the same
// points. Chromium's RSS is the sum over its process tree; ours is the bench process's peak.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';

const json = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
};

export async function run(tmp, conn, runs) {
  const dir = path.join(tmp, 'visual');
  fs.mkdirSync(dir, { recursive: true });
  const data = path.join(dir, 'ops.json');
  const dump = spawnSync('dotnet', ['api/bin/Release/net10.0/Exports.Api.dll', 'render', '--dashboard', 'ops-overview', '--format', 'data', '--out', data],
    { encoding: 'utf8', env: { ...process.env, EXPORTS_DB: conn, EXPORTS_DATA_DIR: dir } });
  if (dump.status !== 0) throw new Error(dump.stderr);
  const ops = JSON.parse(fs.readFileSync(data, 'utf8'));
  const points = Math.max(...ops.widgets.flatMap((w) => (w.series ?? []).map((s) => s.points.length)));
  const native = json('dotnet', ['bench/Exports.Bench/bin/Release/net10.0/Exports.Bench.dll', 'render', '0', data, String(Math.max(runs, 5)), dir]);
  const chromium = json('node', ['bench/peers/chromium-render.mjs', 'run', data, dir, '--runs', String(runs)]);
  console.log(JSON.stringify({ native, chromium }));
  const f = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
  const x = (a, b) => `**${(a / b).toFixed(0)}x**`;
  return [
    `| Dashboard export (${ops.widgets.length} widgets, up to ${points.toLocaleString('en')} points per series) | native (Cairo) | Chromium cold | Chromium warm | native vs cold | native vs warm |`,
    '|---|---:|---:|---:|---:|---:|',
    `| PNG ${ops.width} px wide | ${f(native.pngMs)} | ${f(chromium.coldPngMs)} | ${f(chromium.warmPngMs)} | ${x(chromium.coldPngMs, native.pngMs)} faster | ${x(chromium.warmPngMs, native.pngMs)} faster |`,
    `| PDF (A4, paginated) | ${f(native.pdfMs)} | ${f(chromium.coldPdfMs)} | ${f(chromium.warmPdfMs)} | ${x(chromium.coldPdfMs, native.pdfMs)} faster | ${x(chromium.warmPdfMs, native.pdfMs)} faster |`,
    '',
    `Peak RSS: native process ${native.peakRssMB.toFixed(0)} MB against Chromium's process tree ${chromium.coldPeakRssMB.toFixed(0)} MB cold / ${chromium.warmPeakRssMB.toFixed(0)} MB warm (**${(native.peakRssMB / chromium.warmPeakRssMB).toFixed(2)}x**).`,
  ];
}
