// SkiaSharp against Cairo, on our own painters (issue 13 §5: keeps the README's "why not SkiaSharp" true).
// bench/skia is a console app with a second ICanvas/IRenderBackend on SkiaSharp 4.155; it is not in Exports.sln and
// nothing references it, so the API never gains the dependency. This builds it, and when it cannot (the feed lacks
// the package, the native library does not load) the bench says so and goes on without it.
// It draws the seeded ops dashboard (the render CLI's data dump, the same file the Chromium peer reads) through both
// backends, interleaved, median of N after 20 warm-ups each: PNG (Skia with our PNG encoder and with its own) and PDF.
//   called by bench/run.mjs with the dump visuals.mjs made, or alone: node bench/skia.mjs [RUNS]
//   (alone it makes its own throwaway cluster, seeds it through the render CLI and writes bench/out/skia/*)
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';

const project = 'bench/skia/Exports.Bench.Skia.csproj';
const dll = 'bench/skia/bin/Release/net10.0/Exports.Bench.Skia.dll';

function lastJson(r, what) {
  if (r.status !== 0) throw new Error(`${what}: ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** Returns the README's table lines, or one line saying why Skia was skipped. */
export async function run(tmp, data, runs) {
  const build = spawnSync('dotnet', ['build', project, '-c', 'Release', '-v', 'q', '-nologo'], { encoding: 'utf8' });
  if (build.status !== 0) {
    const why = ((build.stdout + build.stderr).split('\n').find((l) => / error /.test(l))?.trim() ?? `dotnet build exited ${build.status}`).replaceAll(`${process.cwd()}/`, '');
    console.log(`SkiaSharp bench skipped: ${project} did not build (${why})`);
    return [`SkiaSharp: not measured in this run (${project} did not build: ${why}).`];
  }
  const dir = path.join(tmp, 'skia');
  fs.mkdirSync(dir, { recursive: true });
  let r;
  try {
    r = lastJson(spawnSync('dotnet', [dll, 'render', data, String(Math.max(runs, 9)), dir], { encoding: 'utf8', maxBuffer: 1 << 26 }), 'skia render');
    lastJson(spawnSync('dotnet', [dll, 'text', dir], { encoding: 'utf8' }), 'skia text');
  } catch (e) {
    const why = String(e.message).split('\n').find((l) => l.trim()) ?? 'failed';
    console.log(`SkiaSharp bench skipped: ${why}`);
    return [`SkiaSharp: not measured in this run (${why}).`];
  }
  console.log(JSON.stringify({ skia: r }));
  const { ms, bytes } = r;
  const f = (x) => `${x.toFixed(1)} ms`;
  const kb = (x) => `${(x / 1024).toFixed(0)} KB`;
  const x = (a, b) => `**${(a / b).toFixed(2)}x**`;
  return [
    `| Dashboard drawn by our painters through each backend (median of ${r.runs}, interleaved) | Cairo + Pango | SkiaSharp 4.155 | Skia / Cairo (time) | Cairo size | Skia size |`,
    '|---|---:|---:|---:|---:|---:|',
    `| PNG, our PNG encoder on both | ${f(ms.cairoPng)} | ${f(ms.skiaPng)} | ${x(ms.skiaPng, ms.cairoPng)} | ${kb(bytes.cairoPng)} | ${kb(bytes.skiaPng)} |`,
    `| PNG, Skia's own encoder at its defaults (zlib level 6) | ${f(ms.cairoPng)} | ${f(ms.skiaOwnPng)} | ${x(ms.skiaOwnPng, ms.cairoPng)} | ${kb(bytes.cairoPng)} | ${kb(bytes.skiaOwnPng)} |`,
    `| PNG, Skia's own encoder set as ours (Sub filter, level 1) | ${f(ms.cairoPng)} | ${f(ms.skiaFastPng)} | ${x(ms.skiaFastPng, ms.cairoPng)} | ${kb(bytes.cairoPng)} | ${kb(bytes.skiaFastPng)} |`,
    `| PDF (A4, paginated; Skia's has no bookmarks) | ${f(ms.cairoPdf)} | ${f(ms.skiaPdf)} | ${x(ms.skiaPdf, ms.cairoPdf)} | ${kb(bytes.cairoPdf)} | ${kb(bytes.skiaPdf)} (${(bytes.skiaPdf / bytes.cairoPdf).toFixed(1)}x) |`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.chdir(new URL('..', import.meta.url).pathname);
  const { ensureCluster, createDatabase, freePort, stopCluster } = await import('../scripts/pg.mjs');
  const runs = Number(process.argv[2] || 9);
  const out = path.resolve('bench/out');
  fs.mkdirSync(out, { recursive: true });
  const dir = `/var/tmp/exports-skia-pg-${process.pid}`;
  const pg = await ensureCluster(dir, await freePort());
  try {
    const conn = createDatabase(pg.port, 'exports_skia');
    const build = spawnSync('dotnet', ['build', 'api/Exports.Api.csproj', '-c', 'Release', '-v', 'q', '-nologo'], { stdio: 'inherit' });
    if (build.status !== 0) process.exit(1);
    // The server's first start upgrades the database and seeds the demo; the render CLI reads it.
    const env = { ...process.env, EXPORTS_DB: conn, EXPORTS_DATA_DIR: `${dir}-data`, EXPORTS_PORT: String(await freePort()) };
    const api = spawn('dotnet', ['api/bin/Release/net10.0/Exports.Api.dll'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      for (let i = 0; ; i++) {
        try { if ((await fetch(`http://127.0.0.1:${env.EXPORTS_PORT}/health`)).ok) break; } catch { /* starting */ }
        if (i > 600) throw new Error('API did not start');
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      api.kill('SIGTERM');
      await new Promise((r) => api.once('exit', r));
    }
    const data = path.join(out, 'ops.json');
    const dump = spawnSync('dotnet', ['api/bin/Release/net10.0/Exports.Api.dll', 'render', '--dashboard', 'ops-overview', '--format', 'data', '--out', data],
      { encoding: 'utf8', env });
    if (dump.status !== 0) throw new Error(dump.stderr);
    console.log((await run(out, data, runs)).join('\n'));
  } finally {
    stopCluster(pg.dir);
    fs.rmSync(pg.dir, { recursive: true, force: true });
    fs.rmSync(`${dir}-data`, { recursive: true, force: true });
  }
}
