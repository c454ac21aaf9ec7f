import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Page, Response } from '@playwright/test';
import { ExplorePage, expect, login, test, type ExportRequest } from '../fixtures';

// Templates and schedules: an export saved as a template from the export dialog ("Schedule this export…"), given a
// daily schedule on the Schedules page, and run at once from there; then a schedule that delivers each run's file to
// an e-mail destination. The demo data (api/Demo/DemoSeed.cs): 10 servers x 5 metrics, one point a minute for 30 days
// up to the seed time.

/** A template as the API shows it (the fields this test reads). */
interface Template {
  id: string;
  name: string;
  version: number;
}

/** The body the export dialog sends to POST /api/v1/templates. */
interface TemplateBody {
  name: string;
  request: { kind: string; format: string; series: ExportRequest };
}

interface Schedule {
  id: string;
  templateId: string;
  name: string;
  timezone: string;
  active: boolean;
}

interface Run {
  id: string;
  trigger: string;
  status: string;
  exportId?: string | null;
  exportStatus?: string | null;
  fileName?: string | null;
}

interface Destination {
  id: string;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  secrets: string[];
}

/** A message as tests/readers/mail.mjs reads it (mailparser): the fields this test checks. */
interface Mail {
  subject: string;
  to: string;
  text: string;
  attachments: { filename: string; contentType: string; size: number; sha256: string }[];
}

function waitForPost(page: Page, path: string): Promise<Response> {
  return page.waitForResponse(
    (response) => response.request().method() === 'POST' && new URL(response.url()).pathname === path,
  );
}

const execFileAsync = promisify(execFile);
const MAIL_READER = fileURLToPath(new URL('../../tests/readers/mail.mjs', import.meta.url));
/** scripts/e2e-server.mjs runs a real SMTP server that keeps each message as /var/tmp/exports-e2e-pg-<pid>-mail/*.eml. */
const MAIL_ROOT = '/var/tmp';

/** The captured messages whose text names `recipient` (unique to one test run). */
async function mailsTo(recipient: string): Promise<string[]> {
  const dirs = (await fs.readdir(MAIL_ROOT)).filter((name) => /^exports-e2e-pg-\d+-mail$/.test(name));
  const found: string[] = [];
  for (const dir of dirs) {
    const files = await fs.readdir(path.join(MAIL_ROOT, dir)).catch(() => [] as string[]);
    for (const file of files.filter((name) => name.endsWith('.eml'))) {
      const full = path.join(MAIL_ROOT, dir, file);
      if ((await fs.readFile(full, 'utf8')).includes(recipient)) found.push(full);
    }
  }
  return found;
}

async function readMail(file: string): Promise<Mail> {
  const { stdout } = await execFileAsync('node', [MAIL_READER, file]);
  return JSON.parse(stdout) as Mail;
}

/**
 * Explore → servers, hourly, last 24 hours → Export ▾ → More options… → CSV → Delivery → "Schedule this export…"
 * under `name`: the template is saved and the Schedules page opens its form with it chosen.
 */
async function scheduleFromDialog(page: Page, name: string): Promise<Template> {
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.chooseGranularity('1h');
  const dialog = await explore.openExportDialog();
  await dialog.getByRole('radio', { name: /^CSV\s/ }).check();
  for (let step = 0; step < 3; step++) await dialog.getByRole('button', { name: 'Next' }).click();
  await expect(dialog.getByRole('heading', { level: 3 })).toHaveText(/Step 4 of 4:\s*Delivery/);
  await dialog.getByRole('button', { name: 'Schedule this export…' }).click();
  const saveForm = dialog.getByRole('form', { name: 'Schedule this export' });
  await saveForm.getByLabel('Template name', { exact: true }).fill(name);
  const [saved] = await Promise.all([
    waitForPost(page, '/api/v1/templates'),
    saveForm.getByRole('button', { name: 'Save and schedule' }).click(),
  ]);
  expect(saved.status(), await saved.text()).toBe(201);
  const template = (await saved.json()) as Template;
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(new RegExp(`#/schedules\\?template=${template.id}$`));
  await expect(page.getByRole('form', { name: 'New schedule' }).getByLabel('Template', { exact: true })).toHaveValue(template.id);
  return template;
}

test('An export saved from the dialog runs daily at 09:00 in Berlin, and Run now delivers its CSV', async ({
  page,
  api,
}, testInfo) => {
  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.chooseGranularity('1h');
  const presets = page.getByRole('group', { name: 'Time range', exact: true });
  await expect(presets.getByRole('button', { name: '24h', exact: true })).toHaveAttribute('aria-pressed', 'true');

  // Export ▾ → More options…: CSV, through to Delivery, then "Schedule this export…" under a name of its own (a
  // reused server keeps earlier runs' templates, and names are unique).
  const dialog = await explore.openExportDialog();
  await dialog.getByRole('radio', { name: /^CSV\s/ }).check();
  for (let step = 0; step < 3; step++) await dialog.getByRole('button', { name: 'Next' }).click();
  await expect(dialog.getByRole('heading', { level: 3 })).toHaveText(/Step 4 of 4:\s*Delivery/);

  const name = `Servers hourly CSV ${Date.now()}`;
  await dialog.getByRole('button', { name: 'Schedule this export…' }).click();
  const saveForm = dialog.getByRole('form', { name: 'Schedule this export' });
  await saveForm.getByLabel('Template name', { exact: true }).fill(name);
  const [saved] = await Promise.all([
    waitForPost(page, '/api/v1/templates'),
    saveForm.getByRole('button', { name: 'Save and schedule' }).click(),
  ]);
  expect(saved.status(), await saved.text()).toBe(201);
  const template = (await saved.json()) as Template;
  const body = saved.request().postDataJSON() as TemplateBody;
  expect(body).toMatchObject({
    name,
    request: {
      kind: 'series',
      format: 'csv',
      series: { source: 'servers', metrics: ['cpu_percent'], granularity: '1h', timeframe: { last: '24h' }, format: 'csv' },
    },
  });
  expect(template).toMatchObject({ name, version: 1 });

  // The dialog closes and the Schedules page opens its form with the new template chosen.
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(new RegExp(`#/schedules\\?template=${template.id}$`));
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Schedules' })).toHaveAttribute('aria-current', 'page');
  const form = page.getByRole('form', { name: 'New schedule' });
  const templateSelect = form.getByLabel('Template', { exact: true });
  await expect(templateSelect).toHaveValue(template.id);
  await expect(templateSelect.locator('option:checked')).toHaveText(name);

  // Daily at 09:00, Europe/Berlin (the browser runs in UTC, the form's default zone).
  await form.getByRole('radio', { name: 'Daily', exact: true }).check();
  await form.getByLabel('Time', { exact: true }).fill('09:00');
  await expect(form.getByLabel('Time zone', { exact: true })).toHaveValue(/^(Etc\/)?UTC$/);
  await form.getByLabel('Time zone', { exact: true }).fill('Europe/Berlin');
  await expect(form.getByRole('checkbox', { name: 'Active' })).toBeChecked();
  const [created] = await Promise.all([
    waitForPost(page, '/api/v1/schedules'),
    form.getByRole('button', { name: 'Create schedule' }).click(),
  ]);
  expect(created.status(), await created.text()).toBe(201);
  expect(created.request().postDataJSON()).toEqual({
    templateId: template.id,
    frequency: { every: 'daily', time: '09:00' },
    timezone: 'Europe/Berlin',
    active: true,
  });
  const schedule = (await created.json()) as Schedule;
  expect(schedule).toMatchObject({ templateId: template.id, name, timezone: 'Europe/Berlin', active: true });

  // The preview: the next five runs, each at 09:00 on Berlin's clock (+01:00 or +02:00), on five days in a row.
  await expect(page.getByRole('heading', { name: 'Schedule created' })).toBeVisible();
  const next = page.getByRole('list', { name: 'Next runs', exact: true });
  await expect(next.getByRole('listitem')).toHaveCount(5);
  await expect(next.getByRole('listitem')).toContainText(Array.from({ length: 5 }, () => '09:00'));
  const times = await next
    .locator('time')
    .evaluateAll((elements) => elements.map((element) => element.getAttribute('datetime') ?? ''));
  expect(times).toHaveLength(5);
  for (const time of times) expect(time).toMatch(/^\d{4}-\d{2}-\d{2}T09:00:00(\.0+)?\+0[12]:00$/);
  const days = times.map((time) => Date.parse(`${time.slice(0, 10)}T00:00:00Z`));
  for (let day = 1; day < days.length; day++) expect(days[day]! - days[day - 1]!).toBe(86_400_000);

  await page.getByRole('button', { name: 'Done' }).click();
  const row = page.getByRole('row', { name, exact: true });
  await expect(row.getByText('Active', { exact: true })).toBeVisible();
  await expect(row).toContainText('Every day at 09:00');
  await expect(row).toContainText('Europe/Berlin');

  // Run now: the run shows in the schedule's run history, and its export is followed until it is complete.
  const [ran] = await Promise.all([
    waitForPost(page, `/api/v1/schedules/${schedule.id}/run`),
    row.getByRole('button', { name: 'Run now' }).click(),
  ]);
  expect(ran.status(), await ran.text()).toBe(202);
  const run = (await ran.json()) as Run;
  expect(run).toMatchObject({ trigger: 'manual', status: 'queued' });
  expect(run.exportId, 'the run queued an export').toBeTruthy();
  expect(run.fileName, 'the run names its file').toBeTruthy();

  const runs = page.getByRole('table', { name: `Runs of ${name}` });
  const runRow = runs.getByRole('row').filter({ hasText: run.fileName! });
  await expect(runRow).toHaveCount(1);
  await expect(runRow.getByText('Run now', { exact: true })).toBeVisible();
  await expect(runRow.getByText('Completed', { exact: true })).toBeVisible({ timeout: 30_000 });
  const link = runRow.getByRole('link', { name: 'Download' });
  await expect(link).toHaveAttribute('href', `/api/v1/exports/${run.exportId}/download`);

  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe(run.fileName);
  const file = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(file);

  // The first line is the header the preview of the template's request names; then the rows.
  const preview = await api.preview(body.request.series);
  const lines = (await fs.readFile(file, 'utf8')).split('\n').filter((line) => line !== '');
  expect(lines[0]).toBe(preview.columns.map((column) => column.name).join(','));
  expect(lines.length).toBeGreaterThan(1);
});

test('A schedule that delivers to an e-mail destination sends each run\'s file to its recipient, attached', async ({
  page,
  api,
}) => {
  test.slow(); // an export, then its delivery over SMTP
  const stamp = Date.now();
  const recipient = `e2e-${stamp}@example.com`;
  const destinationName = `E2E inbox ${stamp}`;
  await login(page);

  // Destinations → New destination: e-mail to one recipient, everything else the server's defaults.
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Destinations' }).click();
  await expect(nav.getByRole('link', { name: 'Destinations' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { level: 1, name: 'Destinations' })).toBeVisible();
  await page.getByRole('button', { name: 'New destination' }).click();
  const destinationForm = page.getByRole('form', { name: 'New destination' });
  await destinationForm.getByLabel('Name', { exact: true }).fill(destinationName);
  await expect(destinationForm.getByRole('radio', { name: 'E-mail', exact: true })).toBeChecked();
  await destinationForm.getByLabel('Recipients', { exact: true }).fill(recipient);
  const [createdDestination] = await Promise.all([
    waitForPost(page, '/api/v1/destinations'),
    destinationForm.getByRole('button', { name: 'Create destination' }).click(),
  ]);
  expect(createdDestination.status(), await createdDestination.text()).toBe(201);
  expect(createdDestination.request().postDataJSON()).toEqual({
    name: destinationName,
    kind: 'email',
    config: { to: [recipient] },
  });
  const destination = (await createdDestination.json()) as Destination;
  expect(destination).toMatchObject({ name: destinationName, kind: 'email', config: { to: [recipient] }, secrets: [] });
  const destinationRow = page.getByRole('row', { name: destinationName, exact: true });
  await expect(destinationRow).toContainText(recipient);

  // Explore → the export dialog → "Schedule this export…"; on the Schedules form, "Deliver to" the destination.
  await nav.getByRole('link', { name: 'Explore' }).click();
  const name = `Servers hourly CSV mailed ${stamp}`;
  const template = await scheduleFromDialog(page, name);
  const form = page.getByRole('form', { name: 'New schedule' });
  const deliverTo = form.getByRole('group', { name: 'Deliver to' });
  await deliverTo.getByRole('checkbox', { name: destinationName, exact: true }).check();
  const [created] = await Promise.all([
    waitForPost(page, '/api/v1/schedules'),
    form.getByRole('button', { name: 'Create schedule' }).click(),
  ]);
  expect(created.status(), await created.text()).toBe(201);
  expect(created.request().postDataJSON()).toMatchObject({ templateId: template.id, destinations: [destination.id] });
  const schedule = (await created.json()) as Schedule;
  await expect(page.getByRole('heading', { name: 'Schedule created' })).toBeVisible();
  await page.getByRole('button', { name: 'Done' }).click();

  // Run now: the run history follows the export to Completed, then shows its delivery, read again until it settles.
  const row = page.getByRole('row', { name, exact: true });
  const [ran] = await Promise.all([
    waitForPost(page, `/api/v1/schedules/${schedule.id}/run`),
    row.getByRole('button', { name: 'Run now' }).click(),
  ]);
  expect(ran.status(), await ran.text()).toBe(202);
  const queued = (await ran.json()) as Run;
  expect(queued.exportId, 'the run queued an export').toBeTruthy();
  expect(queued.fileName, 'the run names its file').toBeTruthy();
  const fileName = queued.fileName!;

  const runRow = page.getByRole('table', { name: `Runs of ${name}` }).getByRole('row').filter({ hasText: fileName });
  await expect(runRow).toHaveCount(1);
  await expect(runRow.getByText('Completed', { exact: true })).toBeVisible({ timeout: 30_000 });
  const delivery = runRow
    .getByRole('list', { name: `Deliveries of ${fileName}` })
    .getByRole('listitem')
    .filter({ hasText: destinationName });
  await expect(delivery.getByText('Delivered', { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(delivery).toContainText(recipient);
  await expect(delivery).toContainText('attached');

  // The message the SMTP server received, read with mailparser: to the recipient, with the export's file attached,
  // byte for byte the file History serves.
  await expect.poll(() => mailsTo(recipient), { timeout: 15_000 }).toHaveLength(1);
  const [message] = await mailsTo(recipient);
  const mail = await readMail(message!);
  expect(mail.to).toContain(recipient);
  expect(mail.text).toContain(fileName);
  expect(mail.attachments.map((attachment) => attachment.filename)).toEqual([fileName]);
  const file = await api.context.get(`/api/v1/exports/${queued.exportId}/download`);
  expect(file.status()).toBe(200);
  const body = await file.body();
  expect(mail.attachments[0]!.size).toBe(body.length);
  expect(mail.attachments[0]!.sha256).toBe(createHash('sha256').update(body).digest('hex'));
});

interface PreviewRun {
  at: string;
  waitsUntil?: string | null;
}

/** The datetime attributes of the form's "Next runs preview" list once it shows `count` runs. */
async function previewTimes(page: Page, count = 5): Promise<string[]> {
  const list = page.getByRole('form', { name: 'New schedule' }).getByRole('list', { name: 'Next runs preview' });
  await expect(list.getByRole('listitem')).toHaveCount(count);
  return list.locator('time').evaluateAll((elements) =>
    elements.filter((e) => e.parentElement?.tagName === 'LI').map((e) => e.getAttribute('datetime') ?? ''),
  );
}

test('The next-runs preview follows the cron and the zone while the schedule is edited, before it is saved', async ({
  page,
  api,
}) => {
  const before = ((await (await api.context.get('/api/v1/schedules')).json()) as Schedule[]).length;
  await login(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
  await page.getByRole('button', { name: 'New schedule' }).click();
  const form = page.getByRole('form', { name: 'New schedule' });

  // Weekdays at 09:30 in Kolkata (+05:30, no daylight saving): five runs at 09:30+05:30, Monday to Friday.
  await form.getByRole('radio', { name: 'Custom cron', exact: true }).check();
  await form.getByLabel('Cron expression', { exact: true }).fill('30 9 * * 1-5');
  const zone = form.getByRole('combobox', { name: 'Time zone' });
  await zone.click();
  await zone.fill('kolk');
  await page.getByRole('option', { name: /^Asia\/Kolkata/ }).click();
  await expect(zone).toHaveValue('Asia/Kolkata');
  await expect
    .poll(async () => (await previewTimes(page)).every((t) => /T09:30:00(\.0+)?\+05:30$/.test(t)), { timeout: 15_000 })
    .toBe(true);
  const kolkata = await previewTimes(page);
  for (const t of kolkata) expect([1, 2, 3, 4, 5]).toContain(new Date(`${t.slice(0, 10)}T12:00:00Z`).getUTCDay());
  // The same spec asked of the API directly gives the same runs.
  const direct = await api.context.post('/api/v1/schedules/preview?count=5', { data: { cron: '30 9 * * 1-5', timezone: 'Asia/Kolkata' } });
  expect(direct.status()).toBe(200);
  expect(((await direct.json()) as { runs: PreviewRun[] }).runs.map((r) => Date.parse(r.at))).toEqual(kolkata.map((t) => Date.parse(t)));

  // Another zone: the same wall-clock time on New York's clock (-05:00 or -04:00).
  await zone.fill('America/New_York');
  await zone.press('Tab');
  await expect
    .poll(async () => (await previewTimes(page)).every((t) => /T09:30:00(\.0+)?-0[45]:00$/.test(t)), { timeout: 15_000 })
    .toBe(true);

  // Another cron: every day at 06:00, so five days in a row.
  await form.getByLabel('Cron expression', { exact: true }).fill('0 6 * * *');
  await expect
    .poll(async () => (await previewTimes(page)).every((t) => /T06:00:00(\.0+)?-0[45]:00$/.test(t)), { timeout: 15_000 })
    .toBe(true);
  const daily = (await previewTimes(page)).map((t) => Date.parse(`${t.slice(0, 10)}T00:00:00Z`));
  for (let day = 1; day < daily.length; day++) expect(daily[day]! - daily[day - 1]!).toBe(86_400_000);

  // A cron that is not valid: the preview says why instead of showing runs.
  await form.getByLabel('Cron expression', { exact: true }).fill('61 * * * *');
  await expect(form.getByText(/^No runs to show: Not a valid cron expression/)).toBeVisible();

  // Nothing was saved.
  expect(((await (await api.context.get('/api/v1/schedules')).json()) as Schedule[]).length).toBe(before);
});

test('A schedule row\'s actions fit: Run now, Edit and a ⋯ menu that opens inside the screen, at 1280 and 390 px', async ({
  page,
  api,
}) => {
  const stamp = Date.now();
  const template = await api.context.post('/api/v1/templates', {
    data: {
      name: `Row actions ${stamp}`,
      request: { kind: 'series', format: 'csv', series: { source: 'servers', metrics: ['cpu_percent'], granularity: '1h', timeframe: { last: '24h' } } },
    },
  });
  expect(template.status(), await template.text()).toBe(201);
  const name = `A schedule whose name is long enough to wrap in its cell ${stamp}`;
  const created = await api.context.post('/api/v1/schedules', {
    data: { templateId: ((await template.json()) as Template).id, name, cron: '30 9 * * 1-5', timezone: 'Asia/Kolkata', window: '08:00-18:00' },
  });
  expect(created.status(), await created.text()).toBe(201);
  await login(page);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    await page.goto('/#/schedules');
    const row = page.getByRole('row', { name, exact: true });
    const more = row.getByRole('button', { name: `More actions for ${name}` });
    for (const target of [row.getByRole('button', { name: 'Run now' }), row.getByRole('button', { name: 'Edit' }), more]) {
      await expect(target).toBeInViewport({ ratio: 1 });
    }
    const list = row.locator('xpath=ancestor::*[@role="region"][1]');
    expect(await list.evaluate((el) => el.scrollWidth <= el.clientWidth), `no sideways scroll at ${width}`).toBe(true);
    await more.click();
    const menu = page.getByRole('menu');
    for (const item of ['Pause', 'Show runs', 'Delete…']) await expect(menu.getByRole('menuitem', { name: new RegExp(`^${item}`) })).toBeVisible();
    await menu.scrollIntoViewIfNeeded();
    await expect(menu).toBeInViewport({ ratio: 1 });
    await page.keyboard.press('Escape');
    await expect(menu).toBeHidden();
  }
  const id = ((await created.json()) as Schedule).id;
  await api.context.delete(`/api/v1/schedules/${id}`);
});
