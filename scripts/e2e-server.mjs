// The server Playwright starts: a fresh database in a throwaway cluster,
// the API in Release serving the built SPA, demo data seeded, a known demo API key.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { ensureCluster, createDatabase, freePort, stopCluster } from './pg.mjs';

process.chdir(new URL('..', import.meta.url).pathname);
const port = Number(process.env.E2E_PORT || 5099);
const dir = `/var/tmp/exports-e2e-pg-${process.pid}`;
const pg = await ensureCluster(dir, await freePort());
const db = createDatabase(pg.port, 'exports_e2e');
// A real SMTP server for e-mail delivery (tests/readers/smtp-capture.mjs): every message lands in MAIL_DIR as .eml.
const mailDir = `${dir}-mail`;
const smtpPort = await freePort();
const smtp = spawn('node', ['tests/readers/smtp-capture.mjs', String(smtpPort), mailDir], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => smtp.stdout.once('data', resolve));
const env = {
  ...process.env,
  EXPORTS_SMTP_HOST: '127.0.0.1',
  EXPORTS_SMTP_PORT: String(smtpPort),
  EXPORTS_SMTP_STARTTLS: 'false',
  EXPORTS_SMTP_FROM: 'exports@e2e.local',
  EXPORTS_DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true',
  EXPORTS_DB: db,
  EXPORTS_PORT: String(port),
  EXPORTS_DEMO_API_KEY: process.env.E2E_API_KEY || 'exp_e2e_demo_key_0123456789abcdef',
  EXPORTS_SPA_DIR: 'web/dist',
  EXPORTS_DATA_DIR: `${dir}-data`,
};
const dll = 'api/bin/Release/net10.0/Exports.Api.dll';
const api = fs.existsSync(dll)
  ? spawn('dotnet', [dll], { stdio: 'inherit', env })
  : spawn('dotnet', ['run', '--project', 'api', '-c', 'Release'], { stdio: 'inherit', env });
// One clean-up for both endings (Playwright stopping us, or the API exiting): no cluster or folder left behind.
const cleanup = () => {
  smtp.kill('SIGTERM');
  fs.rmSync(mailDir, { recursive: true, force: true });
  stopCluster(pg.dir);
  fs.rmSync(pg.dir, { recursive: true, force: true });
  fs.rmSync(env.EXPORTS_DATA_DIR, { recursive: true, force: true });
};
const stop = () => {
  api.kill('SIGTERM');
  cleanup();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
api.on('exit', (code) => { cleanup(); process.exit(code ?? 1); });
