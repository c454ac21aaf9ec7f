import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from '@playwright/test';
import { expect, login, test } from '../fixtures';

// Destinations: the form offers only the kinds this server can deliver to (GET /api/v1/destinations/kinds), and
// "Send test" sends a small file to what the form or the row says and shows what the receiver answered. The e2e
// server (scripts/e2e-server.mjs) has an SMTP server and allows private networks, so a receiver on 127.0.0.1 works.

interface Kind {
  kind: string;
  available: boolean;
  reason?: string | null;
}

const KIND_LABELS: Record<string, string> = { email: 'E-mail', webhook: 'Webhook', s3: 'S3', sftp: 'SFTP' };

/** An HTTP receiver on loopback answering `status`, keeping each request's body and signature. */
async function receiver(status: number) {
  const received: { body: string; signature: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ body, signature: req.headers['exports-signature'] as string | undefined });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

const MAIL_READER = fileURLToPath(new URL('../../tests/readers/mail.mjs', import.meta.url));

/** The .eml files the e2e server's SMTP server kept (/var/tmp/exports-e2e-pg-<pid>-mail) that name `recipient`. */
async function mailsTo(recipient: string): Promise<string[]> {
  const dirs = (await fs.readdir('/var/tmp')).filter((name) => /^exports-e2e-pg-\d+-mail$/.test(name));
  const found: string[] = [];
  for (const dir of dirs) {
    for (const file of (await fs.readdir(path.join('/var/tmp', dir)).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'))) {
      const full = path.join('/var/tmp', dir, file);
      if ((await fs.readFile(full, 'utf8')).includes(recipient)) found.push(full);
    }
  }
  return found;
}

async function openNewDestination(page: Page) {
  await login(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Destinations' }).click();
  await page.getByRole('button', { name: 'New destination' }).click();
  return page.getByRole('form', { name: 'New destination' });
}

test('The form offers the kinds the server says it can deliver to, and the first available is chosen', async ({ page, api }) => {
  const answer = await api.context.get('/api/v1/destinations/kinds');
  expect(answer.status()).toBe(200);
  const kinds = (await answer.json()) as Kind[];
  expect(kinds.map((k) => k.kind)).toEqual(['email', 'webhook', 's3', 'sftp']);
  // This server has SMTP: e-mail is available, so it is the first kind and chosen.
  expect(kinds.find((k) => k.kind === 'email')?.available).toBe(true);

  const form = await openNewDestination(page);
  for (const kind of kinds) {
    const radio = form.getByRole('radio', { name: KIND_LABELS[kind.kind], exact: true });
    if (kind.available) await expect(radio).toBeEnabled();
    else await expect(radio).toBeDisabled();
  }
  const first = kinds.find((k) => k.available)!;
  await expect(form.getByRole('radio', { name: KIND_LABELS[first.kind], exact: true })).toBeChecked();
});

test('A kind the server cannot deliver to is disabled with the reason, before anything is filled in', async ({ page }) => {
  // A server without a mail server answers so (DestinationKinds.NoMailServer); this one has SMTP, so the answer is
  // replaced here to show what such a server's users see.
  const reason = 'This server has no mail server set up, so it cannot send e-mail. Choose another kind, or ask your administrator to set up e-mail.';
  await page.route('**/api/v1/destinations/kinds', (route) =>
    route.fulfill({
      json: [
        { kind: 'email', available: false, reason },
        { kind: 'webhook', available: true },
        { kind: 's3', available: true },
        { kind: 'sftp', available: true },
      ],
    }),
  );
  const form = await openNewDestination(page);
  const email = form.getByRole('radio', { name: /^E-mail/ });
  await expect(email).toBeDisabled();
  await expect(email).not.toBeChecked();
  await expect(email).toHaveAccessibleDescription(reason);
  await expect(form.getByRole('radio', { name: 'Webhook', exact: true })).toBeChecked();
  await expect(form.getByLabel('URL', { exact: true })).toBeVisible();
  await expect(form).not.toContainText('EXPORTS_');
});

test('Send test of an unsaved webhook shows the status the receiver answered, signed with the typed secret', async ({ page, api }) => {
  const hook = await receiver(202);
  const name = `Try hook ${Date.now()}`;
  try {
    const form = await openNewDestination(page);
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByRole('radio', { name: 'Webhook', exact: true }).check();
    await form.getByLabel('URL', { exact: true }).fill(hook.url);
    const secret = 'e2e-signing-secret-0123456789';
    await form.getByLabel('Signing secret', { exact: true }).fill(secret);
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/destinations/test'),
      form.getByRole('button', { name: 'Send test' }).click(),
    ]);
    expect(response.status(), await response.text()).toBe(200);
    const result = (await response.json()) as { ok: boolean; fileName: string; bytes: number };
    expect(result.ok).toBe(true);
    expect(await response.text()).not.toContain(secret);

    const status = form.getByRole('status').filter({ hasText: 'Test sent' });
    await expect(status).toContainText('HTTP 202');
    await expect(status).toContainText(result.fileName);

    expect(hook.received).toHaveLength(1);
    const [got] = hook.received;
    const parts = Object.fromEntries(got!.signature!.split(',').map((p) => p.split('=', 2) as [string, string]));
    expect(createHmac('sha256', secret).update(`${parts.t}.${got!.body}`).digest('hex')).toBe(parts.v1);
    const event = JSON.parse(got!.body) as { type: string; data: { fileName: string; sizeBytes: number } };
    expect(event).toMatchObject({ type: 'destination.test', data: { fileName: result.fileName, sizeBytes: result.bytes } });
    // Nothing was saved.
    const saved = (await (await api.context.get('/api/v1/destinations')).json()) as { name: string }[];
    expect(saved.map((d) => d.name)).not.toContain(name);
  } finally {
    await hook.close();
  }
});

test('Send test of an unsaved e-mail destination sends a test mail with the file attached, and says to whom', async ({ page }) => {
  const recipient = `try-${Date.now()}@example.com`;
  const form = await openNewDestination(page);
  await form.getByLabel('Name', { exact: true }).fill(`Try mail ${Date.now()}`);
  await expect(form.getByRole('radio', { name: 'E-mail', exact: true })).toBeChecked();
  await form.getByLabel('Recipients', { exact: true }).fill(recipient);
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/destinations/test'),
    form.getByRole('button', { name: 'Send test' }).click(),
  ]);
  const result = (await response.json()) as { ok: boolean; fileName: string; bytes: number };
  expect(result.ok).toBe(true);
  await expect(form.getByRole('status').filter({ hasText: 'Test sent' })).toContainText(`sent to ${recipient} with the file attached`);

  await expect.poll(() => mailsTo(recipient), { timeout: 15_000 }).toHaveLength(1);
  const [file] = await mailsTo(recipient);
  const { stdout } = await promisify(execFile)('node', [MAIL_READER, file!]);
  const mail = JSON.parse(stdout) as { subject: string; attachments: { filename: string; size: number }[] };
  expect(mail.subject).toMatch(/^Test from Exports: Try mail \d+$/);
  expect(mail.attachments).toEqual([expect.objectContaining({ filename: result.fileName, size: result.bytes })]);
});

test('Send test from a saved destination\'s row says why it failed', async ({ page, api }) => {
  const hook = await receiver(410);
  const name = `Gone hook ${Date.now()}`;
  try {
    const created = await api.context.post('/api/v1/destinations', {
      data: { name, kind: 'webhook', config: { url: hook.url }, secrets: { signingSecret: 'e2e-signing-secret-0123456789' } },
    });
    expect(created.status(), await created.text()).toBe(201);
    await login(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Destinations' }).click();
    const row = page.getByRole('row', { name, exact: true });
    await row.getByRole('button', { name: 'Send test' }).click();
    await expect(row.getByRole('status')).toHaveText(/^Test failed after \d+ (ms|\.\d s|s): Webhook answered HTTP 410; not retried\.$/);
    expect(hook.received).toHaveLength(1);
  } finally {
    await hook.close();
  }
});

test('At 390 px the destinations are cards that fit the screen, with their actions', async ({ page, api }) => {
  const name = `Phone hook ${Date.now()}`;
  const created = await api.context.post('/api/v1/destinations', {
    data: { name, kind: 'webhook', config: { url: 'https://hooks.example.com/phone' }, secrets: { signingSecret: 'e2e-signing-secret-0123456789' } },
  });
  expect(created.status()).toBe(201);
  await page.setViewportSize({ width: 390, height: 844 });
  await login(page);
  await page.goto('/#/destinations');
  const row = page.getByRole('row', { name, exact: true });
  await expect(row).toBeVisible();
  for (const target of [row, row.getByRole('button', { name: 'Send test' }), row.getByRole('button', { name: 'Delete' })]) {
    const box = (await target.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
  }
  // The list's own scroll box (the nearest region around the row) does not scroll sideways.
  const list = row.locator('xpath=ancestor::*[@role="region"][1]');
  expect(await list.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  await page.getByRole('button', { name: 'New destination' }).click();
  const form = page.getByRole('form', { name: 'New destination' });
  for (const button of ['Send test', 'Cancel', 'Create destination']) {
    const box = (await form.getByRole('button', { name: button }).boundingBox())!;
    expect(box.x + box.width, button).toBeLessThanOrEqual(390);
  }
});
