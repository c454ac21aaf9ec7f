// Installs what the two commands need and is missing: npm packages, Debian's Chromium (e2e), fonts and
// poppler-utils. Idempotent: each step checks first.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Installs the npm packages when they are missing or when package-lock.json changed since they were installed
 * (a pulled commit that adds a dependency). */
export function ensureNpm() {
  const installed = 'node_modules/.package-lock.json';
  if (!fs.existsSync(installed) || fs.statSync('package-lock.json').mtimeMs > fs.statSync(installed).mtimeMs)
    run('npm', ['ci', '--no-audit', '--no-fund']);
}

export function ensureApt(packages) {
  const missing = packages.filter(([, probe]) => !probe()).map(([name]) => name);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.warn(`Missing Debian packages (install them as root): ${missing.join(' ')}`);
    return;
  }
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export const testPackages = [
  ['chromium', () => has('chromium')],
  ['poppler-utils', () => has('pdftotext')],
  ['fonts-noto-core', () => fs.existsSync('/usr/share/fonts/truetype/noto')],
  ['libreoffice-calc', () => has('soffice')],
  ['zstd', () => has('zstd')],
  ['openssh-server', () => fs.existsSync('/usr/sbin/sshd')],
];

export const runPackages = [
  ['postgresql-15', () => fs.existsSync('/usr/lib/postgresql/15/bin/initdb')],
  // Visual exports draw text through Pango: Latin, Arabic, Hebrew (core) and Chinese, Japanese, Korean (cjk).
  ['fonts-noto-core', () => fs.existsSync('/usr/share/fonts/truetype/noto')],
  ['fonts-noto-cjk', () => fs.existsSync('/usr/share/fonts/opentype/noto')],
];
