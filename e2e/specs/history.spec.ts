import fs from 'node:fs/promises';
import type { Locator, Page, Response } from '@playwright/test';
import { ExplorePage, expect, login, test, type ExportRequest } from '../fixtures';
import type { Api } from '../fixtures/api';

// Background exports (POST /api/v1/exports) started from the export dialog, followed live over Server-Sent Events,
// and managed on the History page. The demo data (api/Host/DemoSeed.cs): 10 servers x 5 metrics, one point a minute
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
  const headers = (await page.getByRole('columnheader').allTextContents()).map((text) => text.trim());
  const index = headers.indexOf(column);
  expect(index, `a "${column}" column among ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return row.locator(':scope > th, :scope > td').nth(index);
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
  await row.getByRole('button', { name: 'Cancel' }).click();

  await expect(row.getByText('Cancelled', { exact: true })).toBeVisible();
  await expect(row.getByRole('progressbar')).toHaveCount(0);
  await expect(row.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
  await expect(row.getByRole('link', { name: 'Download' })).toHaveCount(0);
  await expect(row.getByRole('button', { name: 'Re-run' })).toBeVisible();
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
  await expect(await cellOf(page, row, 'Downloads')).toHaveText('0');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row.getByRole('link', { name: 'Download' }).click(),
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
  await expect(await cellOf(page, reloaded, 'Downloads')).toHaveText('1');
});
