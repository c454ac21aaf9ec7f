// npm test: every test. .NET unit and integration tests against a real PostgreSQL (a throwaway cluster made
// here), the web component tests (Vitest), then the Playwright e2e specs in Debian's Chromium.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { ensureCluster, freePort, stopCluster } from './pg.mjs';
import { ensureNpm, ensureApt, testPackages, runPackages } from './setup.mjs';

process.chdir(new URL('..', import.meta.url).pathname);
ensureApt([...runPackages, ...testPackages]);
ensureNpm();

const totals = { passed: 0, failed: 0 };
const summaries = [];
function step(name, cmd, args, env = {}, count) {
  return new Promise((resolve, reject) => {
    console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
    const started = Date.now();
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { process.stdout.write(d); out += d; if (out.length > 1e6) out = out.slice(-2e5); });
    p.on('exit', (code) => {
      const c = count(out.replace(/\x1b\[[0-9;]*m/g, ''));
      totals.passed += c.passed; totals.failed += c.failed;
      const line = `=== ${name}: exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s (${c.passed} passed, ${c.failed} failed)`;
      console.log(line);
      summaries.push(line.slice(4));
      code === 0 ? resolve() : reject(new Error(`${name} failed`));
    });
  });
}
const num = (re, s) => [...s.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
const dotnetCount = (s) => ({ passed: num(/Passed:\s+(\d+)/g, s), failed: num(/Failed:\s+(\d+),/g, s) });
const vitestCount = (s) => ({ passed: num(/Tests\s+(?:\d+ failed \| )?(\d+) passed/g, s), failed: num(/Tests\s+(\d+) failed/g, s) });
const pwCount = (s) => ({ passed: num(/^\s*(\d+) passed/gm, s), failed: num(/^\s*(\d+) failed/gm, s) });

const dir = `/var/tmp/exports-test-pg-${process.pid}`;
const suites = [];
let pg;
// Every suite runs even when an earlier one fails, so one failure never hides whether the others pass; the build
// is the exception (nothing can run without it).
async function suite(name, ...args) {
  try {
    await step(name, ...args);
    suites.push({ name, ok: true });
  } catch (e) {
    console.error(e.message);
    suites.push({ name, ok: false });
  }
}
try {
  pg = await ensureCluster(dir, await freePort());
  await step('build', 'dotnet', ['build', 'Exports.sln', '-c', 'Release', '-v', 'q', '-nologo'], {}, () => ({ passed: 0, failed: 0 }));
  await suite('.NET tests', 'dotnet', ['test', 'tests/Exports.Tests', '-c', 'Release', '--no-build', '--nologo'],
    { EXPORTS_TEST_DB: pg.url }, dotnetCount);
  await suite('web tests', 'npm', ['test', '-w', 'web'], {}, vitestCount);
  await step('web build', 'npm', ['run', 'build', '-w', 'web'], {}, () => ({ passed: 0, failed: 0 }));
  await suite('e2e', 'npx', ['playwright', 'test'], {}, pwCount);
} catch (e) {
  console.error(e.message);
  suites.push({ name: 'set-up', ok: false });
} finally {
  if (pg) { stopCluster(pg.dir); fs.rmSync(pg.dir, { recursive: true, force: true }); }
  console.log('');
  for (const line of summaries) console.log(line);
  for (const s of suites) console.log(`${s.ok ? 'ok    ' : 'FAILED'} ${s.name}`);
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  const ok = suites.length > 0 && suites.every((s) => s.ok) && totals.failed === 0;
  process.exit(ok ? 0 : 1);
}
