import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { Api } from '../fixtures/api';
import { expect, login, test } from '../fixtures';

// A source's page: a webhook sink added through the UI gets a signed test event and then the rows ingested into the
// source, and lists them as deliveries; a stream token created through the UI streams new rows to a client with the
// url the page shows, and revoking it ends that stream. The e2e server allows private networks, so a receiver on
// 127.0.0.1 works. Everything runs on a fresh source of its own ("zz-…" sorts after the demo sources, so Explore's
// default is unchanged), so no other spec's data moves.

const SECRET = 'e2e-sink-secret-0123456789';
const source = `zz-live-e2e-${Date.now().toString(36)}`;

interface Received {
  path: string;
  body: string;
  json: { test?: boolean; sequence: number; sink: string; rows: { metric: string; value: number; tags: Record<string, string> }[] };
  signatureValid: boolean;
  idempotencyKey: string | undefined;
}

/** `Exports-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>` checked as a receiver would. */
function verify(header: string | undefined, body: string, secret: string): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  if (!parts.t || !parts.v1 || Math.abs(Date.now() / 1000 - Number(parts.t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A webhook receiver on loopback that answers 200 and keeps each request with whether its signature was valid. */
async function receiver(secret: string) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        body,
        json: JSON.parse(body) as Received['json'],
        signatureValid: verify(req.headers['exports-signature'] as string | undefined, body, secret),
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      });
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One point of "temp" at now, tagged with `room`. */
async function ingest(api: Api, value: number, room: string): Promise<void> {
  const response = await api.context.post(`/api/v1/sources/${source}/points`, {
    data: [{ timestamp: new Date().toISOString(), metric: 'temp', value, tags: { room } }],
  });
  expect(response.status(), await response.text()).toBe(200);
}

async function openSourcePage(page: Page) {
  await login(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources' }).click();
  const row = page.getByRole('row', { name: source });
  await row.getByRole('link', { name: source }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(source);
  await expect(page).toHaveTitle(`${source} · Sources · Exports`);
}

test.beforeAll(async ({}, testInfo) => {
  const api = await Api.create(testInfo.project.use.baseURL!);
  const created = await api.context.post('/api/v1/sources', { data: { name: source, kind: 'timeseries', description: 'Live data e2e', units: { temp: '°C' } } });
  expect(created.status(), await created.text()).toBeLessThan(300);
  // A first point, so the source has the metric "temp" to choose (no sink or token yet: it is sent nowhere).
  await ingest(api, 19, 'setup');
  await api.dispose();
});

test.afterAll(async ({}, testInfo) => {
  // Whatever a failed run left behind: no sink keeps sending to a closed receiver.
  const api = await Api.create(testInfo.project.use.baseURL!);
  const sinks = (await (await api.context.get(`/api/v1/sources/${source}/sinks`)).json()) as { id: string }[];
  for (const sink of sinks) await api.context.delete(`/api/v1/sources/${source}/sinks/${sink.id}`);
  await api.dispose();
});

test('a sink added on the source page gets a signed test event, then the ingested rows, listed as deliveries', async ({ page, api }) => {
  const hook = await receiver(SECRET);
  try {
    await openSourcePage(page);
    const sinks = page.getByRole('region', { name: 'Webhook sinks' });
    await expect(sinks.getByText(/No sinks yet/)).toBeVisible();

    await sinks.getByRole('button', { name: 'Add sink' }).click();
    const form = sinks.getByRole('form', { name: 'New sink' });
    // The server's field errors show beside their boxes.
    await form.getByLabel('URL').fill('ftp://example.com/x');
    await form.getByRole('button', { name: 'Create sink' }).click();
    await expect(form.getByLabel('URL')).toHaveAccessibleDescription(/https:\/\//);
    await expect(form.getByLabel('Secret')).toHaveAccessibleDescription(/secret is required/);

    await form.getByLabel('URL').fill(hook.url);
    await form.getByLabel('Secret').fill(SECRET);
    await form.getByLabel('Wait (ms)').fill('0');
    await form.getByRole('checkbox', { name: 'temp' }).check();
    await form.getByRole('button', { name: 'Create sink' }).click();
    await expect(form).toBeHidden();
    await expect(sinks.getByRole('status').filter({ hasText: 'Added a sink' })).toHaveText(`Added a sink to ${hook.url}.`);

    const card = sinks.getByRole('listitem', { name: hook.url });
    await expect(card.getByText('Active', { exact: true })).toBeVisible();
    await expect(card.getByRole('definition').first()).toHaveText('temp');

    // Send test: a signed test event, and what the receiver answered.
    await card.getByRole('button', { name: 'Send test' }).click();
    await expect(card.getByRole('status')).toHaveText(/^Test delivered: HTTP 200 in \d+ ms\.$/);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.json.test).toBe(true);
    expect(hook.received[0]!.signatureValid).toBe(true);

    // A point ingested now reaches the receiver as batch 1, signed with the typed secret.
    await ingest(api, 21.5, 'e2e');
    await expect.poll(() => hook.received.filter((r) => !r.json.test).length, { timeout: 20_000 }).toBe(1);
    const batch = hook.received.find((r) => !r.json.test)!;
    expect(batch.signatureValid).toBe(true);
    expect(batch.json.sequence).toBe(1);
    expect(batch.idempotencyKey).toBe(`${batch.json.sink.replaceAll('-', '')}-1`);
    expect(batch.json.rows).toEqual([expect.objectContaining({ metric: 'temp', value: 21.5, tags: { room: 'e2e' } })]);

    // The deliveries list shows it (Refresh until the server has recorded it as delivered).
    await card.getByRole('button', { name: 'Deliveries' }).click();
    const deliveries = card.getByRole('region', { name: `Deliveries to ${hook.url}` });
    await expect(async () => {
      await card.getByRole('button', { name: 'Refresh' }).click();
      await expect(deliveries.getByRole('row', { name: /#1/ })).toContainText('Delivered', { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    const row = deliveries.getByRole('row', { name: /#1/ });
    await expect(row.getByRole('cell').nth(1)).toHaveText('1'); // rows
    await expect(row.getByRole('cell').nth(4)).toHaveText('200'); // HTTP status

    // Delete (asks first): the sink is gone, here and in the API.
    await card.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete sink?' }).getByRole('button', { name: 'Delete sink' }).click();
    await expect(sinks.getByText(/No sinks yet/)).toBeVisible();
    expect(await (await api.context.get(`/api/v1/sources/${source}/sinks`)).json()).toEqual([]);
  } finally {
    await hook.close();
  }
});

/** An SSE client on Node's fetch: the `data:` events it has read, and whether the stream ended. */
async function openStream(url: string) {
  const response = await fetch(url, { headers: { Accept: 'text/event-stream' } });
  expect(response.status).toBe(200);
  const state = { events: [] as { id: string | undefined; data: string }[], ended: false };
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim());
          if (data.length > 0 && !lines.some((line) => line.startsWith('event:'))) {
            state.events.push({ id: lines.find((line) => line.startsWith('id:'))?.slice(3).trim(), data: data.join('\n') });
          }
        }
      }
    } catch {
      // An aborted or broken read ends the stream too.
    }
    state.ended = true;
  })();
  return { state, cancel: () => reader.cancel().catch(() => undefined) };
}

test('a stream token created on the source page streams new rows with the url it shows, and revoking it ends the stream', async ({ page, context, api }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openSourcePage(page);
  const tokens = page.getByRole('region', { name: 'Stream tokens' });

  await tokens.getByRole('button', { name: 'Create token' }).click();
  const form = tokens.getByRole('form', { name: 'New stream token' });
  await form.getByLabel('Name').fill('e2e wallboard');
  await form.getByRole('button', { name: 'Add origin' }).click();
  await expect(form.getByRole('textbox', { name: 'Origin 1' })).toBeFocused();
  await form.getByRole('textbox', { name: 'Origin 1' }).fill('https://wall.example.com');
  await form.getByRole('button', { name: 'Create stream token' }).click();

  const panel = tokens.getByRole('region', { name: 'Token “e2e wallboard” created' });
  await expect(panel).toContainText('it will not be shown again');
  const token = await panel.getByLabel('Token', { exact: true }).inputValue();
  expect(token).toMatch(/^lst_/);
  const snippet = await panel.getByLabel('EventSource snippet').inputValue();
  const url = /new EventSource\("([^"]+)"\)/.exec(snippet)?.[1];
  expect(url).toBe(`${new URL(page.url()).origin}/api/v1/sources/${source}/stream?token=${token}`);
  expect(snippet).toContain('events.onmessage = (e) => {');
  expect(snippet).toContain('JSON.parse(e.data)');

  await panel.getByRole('button', { name: 'Copy token' }).click();
  await expect(panel.getByText('Copied.')).toBeVisible();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  await panel.getByRole('button', { name: 'Copy snippet' }).click();
  // The write is asynchronous: wait for it rather than read once.
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(snippet);

  const item = tokens.getByRole('listitem', { name: 'e2e wallboard' });
  await expect(item).toContainText('https://wall.example.com');
  await expect(item).toContainText(token.slice(0, 8));
  await expect(item).not.toContainText(token);

  // The stream, opened with the url the page showed, gets a point ingested after it opened.
  const stream = await openStream(url!);
  try {
    await ingest(api, 42.25, 'stream');
    await expect.poll(() => stream.state.events.length, { timeout: 20_000 }).toBeGreaterThan(0);
    const event = JSON.parse(stream.state.events[0]!.data) as { seq: number; rows: { metric: string; value: number; tags: Record<string, string> }[] };
    expect(event.rows).toEqual([expect.objectContaining({ metric: 'temp', value: 42.25, tags: { room: 'stream' } })]);
    expect(stream.state.events[0]!.id).toBe(String(event.seq));

    // Done hides the token for good; Revoke (asks first) ends the open stream.
    await panel.getByRole('button', { name: 'Done' }).click();
    await expect(panel).toBeHidden();
    await expect(tokens.getByLabel('Token', { exact: true })).toHaveCount(0);
    await item.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog', { name: 'Revoke stream token?' }).getByRole('button', { name: 'Revoke token' }).click();
    await expect(tokens.getByRole('status').filter({ hasText: 'Revoked' })).toHaveText('Revoked “e2e wallboard”: its open streams end.');
    await expect(item.getByRole('term').filter({ hasText: /^Revoked$/ })).toBeVisible();
    await expect(item.getByRole('button', { name: 'Revoke' })).toHaveCount(0);
    await expect.poll(() => stream.state.ended, { timeout: 15_000 }).toBe(true);
    expect((await fetch(url!)).status).toBe(401);
  } finally {
    await stream.cancel();
  }
});
