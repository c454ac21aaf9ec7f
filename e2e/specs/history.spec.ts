import fs from 'node:fs/promises';
import { request as http, type APIRequestContext, type Locator, type Page, type Response } from '@playwright/test';
import { ExplorePage, expect, login, test, type ExportRequest } from '../fixtures';
import type { Api } from '../fixtures/api';

// Background exports (POST /api/v1/exports) started from the export dialog, followed live over Server-Sent Events,
// and managed on the History page. The demo data (api/Demo/DemoSeed.cs): 10 servers x 5 metrics, one point a minute
// for 30 days up to the seed time, so 30 days at raw resolution is about 2.1 million rows (~130 MB of CSV).

const SUBMIT_PATH = '/api/v1/exports';

/** A job as the API shows it (the fields these tests read). */
interface Job {
  id: string;
  kind: string;
  format: string;
  fileName: string;
  status: string;
  estimatedRows?: number | null;
  rowCount?: number | null;
  downloadCount: number;
  cancelRequested: boolean;
  request: { kind: string; series: ExportRequest };
}

/** Explore → Export ▾ → More options…, through to Delivery, ticks "Run in background" and starts it. */
async function startInBackground(explore: ExplorePage): Promise<{ job: Job; envelope: Record<string, unknown>; dialog: Locator }> {
  const { page } = explore;
  const dialog = await explore.openExportDialog();
  const stepHeading = dialog.getByRole('heading', { level: 3 });
  await dialog.getByRole('radio', { name: /^CSV\s/ }).check();
  for (let step = 0; step < 3; step++) await dialog.getByRole('button', { name: 'Next' }).click();
  await expect(stepHeading).toHaveText(/Step 4 of 4:\s*Delivery/);

  await dialog.getByRole('checkbox', { name: 'Run in background' }).check();
  const [response] = await Promise.all([
    waitForSubmit(page),
    dialog.getByRole('button', { name: 'Start export' }).click(),
  ]);
  expect(response.status(), await response.text()).toBe(202);
  const job = (await response.json()) as Job;
  expect(response.headers()['location']).toBe(`/api/v1/exports/${job.id}`);
  return { job, envelope: response.request().postDataJSON() as Record<string, unknown>, dialog };
}

function waitForSubmit(page: Page): Promise<Response> {
  return page.waitForResponse(
    (response) => response.request().method() === 'POST' && new URL(response.url()).pathname === SUBMIT_PATH,
  );
}

/** Closes the dialog and opens History from the main navigation. */
async function openHistory(page: Page, dialog: Locator): Promise<void> {
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'History' }).click();
  await expect(nav.getByRole('link', { name: 'History' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { level: 1, name: 'Export history' })).toBeVisible();
}

/** The History row of a job: rows are named by their file name, newest first (a retry's job is the first). */
function historyRow(page: Page, job: Job): Locator {
  return page.getByRole('row', { name: job.fileName, exact: true }).first();
}

/** The row's cell under a column header (the first cell of a row is its header cell). */
async function cellOf(page: Page, row: Locator, column: string): Promise<Locator> {
  // The headers are read once, so the table must be there first (a page just opened may still be loading).
  await expect(row).toBeVisible();
  const headers = (await page.getByRole('columnheader').allTextContents()).map((text) => text.trim());
  const index = headers.indexOf(column);
  expect(index, `a "${column}" column among ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return row.locator(':scope > th, :scope > td').nth(index);
}

/** Opens the row's "⋯" menu and returns it. */
async function rowMenu(row: Locator, fileName: string): Promise<Locator> {
  await row.getByRole('button', { name: `Actions for ${fileName}`, exact: true }).click();
  const menu = row.getByRole('menu');
  await expect(menu).toBeVisible();
  return menu;
}

/** The bar's value, or -1 while it has none (no estimate yet) or is gone (the job finished). */
async function percentOf(bar: Locator): Promise<number> {
  const value = await bar.getAttribute('value', { timeout: 500 }).catch(() => null);
  return value === null ? -1 : Number(value);
}

async function jobFromApi(api: Api, id: string): Promise<Job> {
  const response = await api.context.get(`/api/v1/exports/${id}`);
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as Job;
}

test('A large background export shows its progress moving, and History cancels it', async ({ page, api }) => {
  const servers = await api.source('servers');
  const metrics = servers.metrics.map((metric) => metric.name);

  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.chooseMetrics(metrics);
  await explore.chooseGranularity('raw');
  const presets = page.getByRole('group', { name: 'Time range', exact: true });
  await presets.getByRole('button', { name: '30d', exact: true }).click();
  await expect(presets.getByRole('button', { name: '30d', exact: true })).toHaveAttribute('aria-pressed', 'true');

  const { job, envelope, dialog } = await startInBackground(explore);
  expect(envelope).toMatchObject({
    kind: 'series',
    format: 'csv',
    compression: 'none',
    series: { source: 'servers', granularity: 'raw', timeframe: { last: '30d' }, format: 'csv' },
  });
  expect([...((envelope.series as ExportRequest).metrics as string[])].sort()).toEqual([...metrics].sort());
  expect(job).toMatchObject({ kind: 'series', format: 'csv', status: 'pending' });
  expect(job.estimatedRows ?? 0).toBeGreaterThan(1_000_000);

  // The dialog follows the job's events: the bar gets a value, then a larger one, while the file is written.
  const bar = dialog.getByRole('progressbar', { name: `Progress of ${job.fileName}` });
  await expect(bar).toBeVisible();
  let first = -1;
  await expect
    .poll(async () => (first = await percentOf(bar)), { message: 'the progress bar shows a percentage', timeout: 30_000, intervals: [100] })
    .toBeGreaterThanOrEqual(0);
  await expect
    .poll(() => percentOf(bar), { message: `the progress bar moves past ${first}%`, timeout: 30_000, intervals: [100] })
    .toBeGreaterThan(first);

  await openHistory(page, dialog);
  const row = historyRow(page, job);
  await (await rowMenu(row, job.fileName)).getByRole('menuitem', { name: 'Cancel', exact: true }).click();

  await expect(row.getByText('Cancelled', { exact: true })).toBeVisible();
  await expect(row.getByRole('progressbar')).toHaveCount(0);
  // Once cancelled, the menu offers what a finished export without a file offers.
  await expect((await rowMenu(row, job.fileName)).getByRole('menuitem')).toHaveText([/^Re-run/, /^Delete…/]);
  expect(await jobFromApi(api, job.id)).toMatchObject({ status: 'cancelled', cancelRequested: true });
});

test('A small background export completes in History, downloads its CSV and counts the download', async ({
  page,
  api,
  duck,
}, testInfo) => {
  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.chooseGranularity('1h');
  const presets = page.getByRole('group', { name: 'Time range', exact: true });
  await expect(presets.getByRole('button', { name: '24h', exact: true })).toHaveAttribute('aria-pressed', 'true');

  const { job, envelope, dialog } = await startInBackground(explore);
  expect(envelope).toMatchObject({
    kind: 'series',
    format: 'csv',
    series: { source: 'servers', metrics: ['cpu_percent'], granularity: '1h', timeframe: { last: '24h' } },
  });

  await openHistory(page, dialog);
  const row = historyRow(page, job);
  await expect(row.getByText('Completed', { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(await cellOf(page, row, 'Export')).not.toContainText('downloaded');

  // Its timeline, from the job's event stream: queued, started on a node (first attempt), completed with its rows.
  const done = await jobFromApi(api, job.id);
  await row.getByRole('button', { name: 'Timeline', exact: true }).click();
  const steps = page.getByRole('list', { name: `Timeline of ${job.fileName}` }).getByRole('listitem');
  await expect(steps).toHaveCount(3);
  await expect(steps.nth(0)).toContainText(/^Queued/);
  await expect(steps.nth(1)).toContainText(/^Started \(on node [^)]+\)/);
  await expect(steps.nth(2)).toContainText(`Completed: ${done.rowCount!.toLocaleString('en-US')} rows`);
  await expect(page.getByText('reconstructed from the record')).toHaveCount(0);
  await row.getByRole('button', { name: 'Timeline', exact: true }).click();
  await expect(steps).toHaveCount(0);

  const menu = await rowMenu(row, job.fileName);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    menu.getByRole('menuitem', { name: 'Download', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(job.fileName);
  const file = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(file);

  // The first line is the header the preview of the same request names; then one row per hour, server and metric.
  const preview = await api.preview(envelope.series as ExportRequest);
  const text = await fs.readFile(file, 'utf8');
  expect(text.split('\n')[0]).toBe(preview.columns.map((column) => column.name).join(','));
  await duck.loadCsv('bg', file);
  const shape = await duck.one(
    'SELECT count(*) AS n, count(DISTINCT server) AS servers, count(DISTINCT metric) AS metrics FROM bg',
  );
  const finished = await jobFromApi(api, job.id);
  expect(shape.n).toBeGreaterThan(0);
  expect(shape).toEqual({ n: finished.rowCount, servers: 10, metrics: 1 });

  // The download is counted: after a reload History shows it (and so does the API).
  await expect.poll(async () => (await jobFromApi(api, job.id)).downloadCount).toBe(1);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Export history' })).toBeVisible();
  const reloaded = historyRow(page, job);
  await expect(reloaded.getByText('Completed', { exact: true })).toBeVisible();
  await expect(await cellOf(page, reloaded, 'Export')).toContainText('downloaded 1×');
});

/** A fixed request over the last whole seeded hours (so two runs hold the same rows). */
async function fixedRequest(api: Api): Promise<ExportRequest> {
  const servers = await api.source('servers');
  const to = new Date(servers.extent!.to);
  to.setUTCMinutes(0, 0, 0);
  const from = new Date(to.getTime() - 3 * 3_600_000);
  return {
    source: 'servers',
    metrics: ['cpu_percent'],
    granularity: '1h',
    groupBy: ['server'],
    aggregations: ['avg', 'max'],
    timezone: 'UTC',
    filter: { field: 'region', op: 'eq', value: 'eu-west' },
    timeframe: { from: from.toISOString(), to: to.toISOString() },
    format: 'csv',
  };
}

/** A direct download made the way a script (or the SPA) does: POST the request, then GET the signed link. */
async function directDownloadByApi(api: Api, anonymous: APIRequestContext, request: ExportRequest): Promise<{ url: string; fileName: string; body: string }> {
  const created = await api.context.post('/api/v1/exports/series/direct', { data: request });
  expect(created.status(), await created.text()).toBe(201);
  const link = (await created.json()) as { url: string; fileName: string };
  // No API key, no cookie: the signed link is the only credential.
  const response = await anonymous.get(link.url);
  expect(response.status(), response.ok() ? '' : await response.text()).toBe(200);
  return { ...link, body: await response.text() };
}

interface DirectJob extends Job {
  direct: boolean;
  bytesWritten: number;
}

async function listDirectJobs(api: Api): Promise<DirectJob[]> {
  const response = await api.context.get('/api/v1/exports?limit=200');
  expect(response.status()).toBe(200);
  return ((await response.json()) as { items: DirectJob[] }).items.filter((job) => job.direct);
}

/** The direct downloads in history, newest first, once none is still streaming (a record is finished just after its
 * response has ended). */
async function directJobs(api: Api): Promise<DirectJob[]> {
  let jobs: DirectJob[] = [];
  await expect
    .poll(async () => (jobs = await listDirectJobs(api)).filter((job) => job.status === 'processing').length, {
      message: 'every direct download has finished',
    })
    .toBe(0);
  return jobs;
}

test('A direct download streams through its signed link, History lists it as direct, and Download again saves the same rows', async ({
  page,
  api,
  baseURL,
}, testInfo) => {
  const request = await fixedRequest(api);
  const before = (await directJobs(api)).length;
  const anonymous = await http.newContext({ baseURL });
  const first = await directDownloadByApi(api, anonymous, request);
  const recorded = await directJobs(api);
  expect(recorded).toHaveLength(before + 1);
  expect(recorded[0]).toMatchObject({ status: 'completed', fileName: first.fileName, bytesWritten: Buffer.byteLength(first.body) });
  // The link worked once: a second GET is gone.
  expect((await anonymous.get(first.url)).status()).toBe(410);
  await anonymous.dispose();

  await login(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  const row = page.getByRole('row', { name: first.fileName, exact: true }).first();
  await expect(await cellOf(page, row, 'Export')).toContainText('Direct download');
  await expect(await cellOf(page, row, 'Summary')).toHaveText(/^servers · .+ · region = eu-west · CSV$/);
  await expect(await cellOf(page, row, 'Expires')).toHaveText('No file kept');
  await expect(await cellOf(page, row, 'Rows')).toHaveText(String(recorded[0]!.rowCount));

  const menu = await rowMenu(row, first.fileName);
  await expect(menu.getByRole('menuitem')).toHaveText([/^Download again/, /^Re-run/, /^Delete…/]);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    menu.getByRole('menuitem', { name: 'Download again' }).click(),
  ]);
  // The browser fetched the signed link itself (no session header is needed, the page never held the bytes).
  expect(new URL(download.url()).pathname).toMatch(/^\/api\/v1\/exports\/series\/direct\/[0-9a-f-]+$/);
  expect(new URL(download.url()).searchParams.get('token')).toMatch(/^\d+\./);
  expect(download.suggestedFilename()).toBe(first.fileName);
  const file = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(file);
  expect(await fs.readFile(file, 'utf8')).toBe(first.body);

  // Recorded when it ran: History shows a second direct download of the same request.
  await expect.poll(async () => (await directJobs(api)).length, { timeout: 15_000 }).toBe(before + 2);
  // Both runs are listed (earlier runs of this test with the same request, on a reused server, are listed too).
  const sameName = (await directJobs(api)).filter((job) => job.fileName === first.fileName).length;
  expect(sameName).toBeGreaterThanOrEqual(2);
  await page.reload();
  await expect(page.getByRole('row', { name: first.fileName, exact: true })).toHaveCount(sameName);
});

test('Delete asks first: Cancel keeps the export, Delete removes it', async ({ page, api, baseURL }) => {
  const anonymous = await http.newContext({ baseURL });
  const { fileName } = await directDownloadByApi(api, anonymous, { ...(await fixedRequest(api)), format: 'json' });
  await anonymous.dispose();
  const [job] = await directJobs(api);
  expect(job!.fileName).toBe(fileName);

  await login(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  const row = page.getByRole('row', { name: fileName, exact: true }).first();
  await (await rowMenu(row, fileName)).getByRole('menuitem', { name: 'Delete…' }).click();
  let dialog = page.getByRole('dialog', { name: `Delete ${fileName}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect((await api.context.get(`/api/v1/exports/${job!.id}`)).status()).toBe(200);

  await (await rowMenu(row, fileName)).getByRole('menuitem', { name: 'Delete…' }).click();
  dialog = page.getByRole('dialog', { name: `Delete ${fileName}?` });
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.getByRole('row', { name: fileName, exact: true })).toHaveCount(0);
  expect((await api.context.get(`/api/v1/exports/${job!.id}`)).status()).toBe(404);
});

test('The export tray follows a background export from any page and offers its file once finished', async ({ page }) => {
  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.chooseGranularity('1h');
  const { job, dialog } = await startInBackground(explore);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();

  // Another page: the tray is still there, and says when the export is done.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboards' }).click();
  const toggle = page.getByRole('button', { name: /^Exports: \d+ (running|finished)$/ });
  await expect(toggle).toBeVisible();
  await expect(page.getByRole('button', { name: /^Exports: \d+ finished$/ })).toBeVisible({ timeout: 30_000 });
  await toggle.click();
  // Newest first: this export is the first of its name (an earlier test may have made one like it).
  const item = page.getByRole('region', { name: 'Background exports' }).getByRole('listitem', { name: job.fileName }).first();
  await expect(item.getByText('Completed', { exact: true })).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    item.getByRole('button', { name: 'Download', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(job.fileName);
  await item.getByRole('link', { name: 'Open in History' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Export history' })).toBeVisible();
  await expect(historyRow(page, job).getByText('Completed', { exact: true })).toBeVisible();
});
