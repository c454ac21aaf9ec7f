import fs from 'node:fs/promises';
import type { Download, TestInfo } from '@playwright/test';
import {
  ExplorePage,
  expect,
  lastWholeHour,
  login,
  test,
  waitForExportRequest,
  waitForExportResponse,
  type ExportRequest,
  type Preview,
} from '../fixtures';
import { waitForChartPreview } from '../fixtures/explore';
import type { Duck, Row } from '../fixtures/duckdb';

// The demo data (api/Demo/DemoSeed.cs): 10 servers x 5 metrics, one point a minute for 30 days up to the seed time;
// its only gap is web-03, five days back. A custom range inside the last whole hour is therefore complete and fixed:
// the tests never depend on "now".
const SERVERS = 10;

async function save(download: Download, testInfo: TestInfo): Promise<string> {
  const path = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(path);
  return path;
}

/** Per server and metric: count, sum, mean, min and max of value, as DuckDB computes them from a loaded file. */
function perSeries(duck: Duck, table: string): Promise<Row[]> {
  return duck.all(
    `SELECT server, metric, count(*) AS n, sum(value) AS total, avg(value) AS mean, min(value) AS low, max(value) AS high
     FROM ${table} GROUP BY server, metric ORDER BY server, metric`,
  );
}

function expectSameStats(actual: Row[], expected: Row[]): void {
  expect(actual.map((row) => [row.server, row.metric, row.n])).toEqual(expected.map((row) => [row.server, row.metric, row.n]));
  actual.forEach((row, index) => {
    const other = expected[index]!;
    for (const key of ['total', 'mean', 'low', 'high'] as const) {
      expect(row[key] as number, `${row.server} ${row.metric} ${key}`).toBeCloseTo(other[key] as number, 6);
    }
  });
}

/** Preview rows ([time, metric, region, server, value]) in the shape `rowsOf` reads from DuckDB. */
function previewRows(preview: Preview): Row[] {
  const names = preview.columns.map((column) => column.name);
  return preview.rows.map((cells) =>
    Object.fromEntries(
      cells.map((cell, index) => [names[index]!, names[index] === 'time' ? Date.parse(String(cell)) : cell]),
    ),
  );
}

/** A loaded long-shape export in file order, time as epoch milliseconds. */
function rowsOf(duck: Duck, table: string, limit?: number): Promise<Row[]> {
  return duck.all(
    `SELECT epoch_ms(time::TIMESTAMPTZ) AS time, metric, region, server, value FROM ${table} ORDER BY rowid` +
      (limit ? ` LIMIT ${limit}` : ''),
  );
}

test('Quick Export CSV of a custom range saves the rows the API exports for the same request', async ({
  page,
  api,
  duck,
}, testInfo) => {
  const servers = await api.source('servers');
  const { from, to } = lastWholeHour(servers.extent!.to);
  const metrics = ['cpu_percent', 'memory_percent'];

  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.chooseMetrics(metrics);
  await explore.chooseRange(from, to);
  const { download, body } = await explore.quickExport('CSV');

  expect(body).toMatchObject({
    source: 'servers',
    metrics,
    timeframe: { from: from.toISOString(), to: to.toISOString() },
    timezone: 'UTC',
    format: 'csv',
  });
  // The server names the file after the source and the range (UTC, to the minute).
  const stamp = (date: Date) => date.toISOString().slice(0, 16).replace(/[-:]/g, '');
  expect(download.suggestedFilename()).toMatch(
    new RegExp(`^servers-${stamp(from)}-${stamp(to)}-\\d{4}-\\d{2}-\\d{2}\\.csv$`),
  );
  const file = await save(download, testInfo);
  await expect(page.getByRole('status').filter({ hasText: 'Your browser is downloading' })).toContainText(download.suggestedFilename());

  // DuckDB reads the file: one row per minute, server and metric over the whole hour.
  await duck.loadCsv('ui', file);
  expect(await duck.columns('ui')).toEqual([
    { name: 'time', type: 'TIMESTAMP WITH TIME ZONE' },
    { name: 'metric', type: 'VARCHAR' },
    { name: 'region', type: 'VARCHAR' },
    { name: 'server', type: 'VARCHAR' },
    { name: 'value', type: 'DOUBLE' },
  ]);
  const shape = await duck.one(
    `SELECT count(*) AS n, count(DISTINCT server) AS servers, count(DISTINCT metric) AS metrics,
            count(DISTINCT time) AS minutes, epoch_ms(min(time)) AS first, epoch_ms(max(time)) AS last,
            count(*) FILTER (WHERE value IS NULL) AS missing
     FROM ui`,
  );
  expect(shape).toEqual({
    n: SERVERS * metrics.length * 60,
    servers: SERVERS,
    metrics: metrics.length,
    minutes: 60,
    first: from.getTime(),
    last: to.getTime() - 60_000,
    missing: 0,
  });

  // The preview of the same request: its estimate is the file's row count (an hour-aligned raw range is counted
  // exactly from the hourly rollup), and its first rows are the file's first rows.
  const preview = await api.preview(body);
  expect(preview).toMatchObject({ tier: 'raw', granularity: 'raw', estimatedRows: shape.n, timezone: 'UTC' });
  expect(preview.columns.map((column) => column.name)).toEqual(['time', 'metric', 'region', 'server', 'value']);
  expect(preview.rows).toHaveLength(100);
  expect(await rowsOf(duck, 'ui', 100)).toEqual(previewRows(preview));

  // The same request exported through the API (API key, no browser): the same counts, sums and means per series.
  const apiFile = testInfo.outputPath('api-export.csv');
  await api.exportTo(body, apiFile);
  await duck.loadCsv('api', apiFile);
  const fromUi = await perSeries(duck, 'ui');
  expect(fromUi).toHaveLength(SERVERS * metrics.length);
  expect(fromUi.every((row) => row.n === 60)).toBe(true);
  expectSameStats(fromUi, await perSeries(duck, 'api'));
  expect(await rowsOf(duck, 'ui')).toEqual(await rowsOf(duck, 'api'));
});

test('JSON through the export dialog with metadata and pretty-printing holds the previewed rows', async ({
  page,
  api,
  duck,
}, testInfo) => {
  const servers = await api.source('servers');
  // Nine minutes of one metric: 90 rows, fewer than the 100 a preview returns, so the preview holds them all.
  const from = lastWholeHour(servers.extent!.to).from;
  const to = new Date(from.getTime() + 9 * 60_000);

  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.chooseMetrics(['load_avg']);
  await explore.chooseGranularity('raw');
  await explore.chooseRange(from, to);

  const dialog = await explore.openExportDialog();
  const next = dialog.getByRole('button', { name: 'Next' });
  const stepHeading = dialog.getByRole('heading', { level: 3 });

  await expect(stepHeading).toHaveText(/Step 1 of 4:\s*Format/);
  await dialog.getByRole('radio', { name: /^JSON\s/ }).check();
  await next.click();

  await expect(stepHeading).toHaveText(/Step 2 of 4:\s*Data/);
  await expect(dialog.getByRole('radio', { name: /^Long/ })).toBeChecked();
  await expect(dialog.getByText(/About 90 rows/)).toBeVisible();
  await next.click();

  await expect(stepHeading).toHaveText(/Step 3 of 4:\s*Format options/);
  const options = dialog.getByRole('region', { name: 'JSON options' });
  await expect(options.getByLabel('Structure')).toHaveValue('flat');
  await options.getByRole('checkbox', { name: 'Pretty-print (indented)' }).check();
  await options.getByRole('checkbox', { name: 'Include metadata' }).check();
  await next.click();

  await expect(stepHeading).toHaveText(/Step 4 of 4:\s*Delivery/);
  const [download, request] = await Promise.all([
    page.waitForEvent('download'),
    waitForExportRequest(page),
    dialog.getByRole('button', { name: 'Start download' }).click(),
  ]);
  const body = request.postDataJSON() as ExportRequest;
  expect(body).toMatchObject({
    source: 'servers',
    metrics: ['load_avg'],
    granularity: 'raw',
    timeframe: { from: from.toISOString(), to: to.toISOString() },
    shape: 'long',
    format: 'json',
    formatOptions: { style: 'flat', pretty: true, metadata: true },
  });
  expect(download.suggestedFilename()).toMatch(/^servers-.*\.json$/);
  const file = await save(download, testInfo);
  await expect(dialog.getByRole('status')).toContainText(`Your browser is downloading ${download.suggestedFilename()}`);

  // Pretty-printed, with the metadata object next to the rows.
  const text = await fs.readFile(file, 'utf8');
  expect(text).toMatch(/^\{\n\s+"meta": \{/);
  expect(text).toMatch(/\n\s+"data": \[\n\s+\{\n\s+"time": "/);

  const { meta } = await duck.loadJson('ui', file);
  expect(meta).toMatchObject({ source: 'servers', kind: 'timeseries', tier: 'raw', granularity: 'raw', timezone: 'UTC' });
  expect(new Date(meta!.from as string).getTime()).toBe(from.getTime());
  expect(new Date(meta!.to as string).getTime()).toBe(to.getTime());

  // The preview of the same request holds every row: the file has exactly those rows, in that order.
  const preview = await api.preview(body);
  expect(preview.estimatedRows).toBe(SERVERS * 9);
  expect(preview.rows).toHaveLength(SERVERS * 9);
  expect(await rowsOf(duck, 'ui')).toEqual(previewRows(preview));

  // And the API's own export of the request has the same rows.
  const apiFile = testInfo.outputPath('api-export.json');
  await api.exportTo(body, apiFile);
  await duck.loadJson('api', apiFile);
  expect(await rowsOf(duck, 'api')).toEqual(await rowsOf(duck, 'ui'));
});

test('An option the server rejects shows its Problem Details in the dialog and downloads nothing', async ({ page }) => {
  const downloads: Download[] = [];
  page.on('download', (download) => downloads.push(download));

  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');

  const dialog = await explore.openExportDialog();
  const next = dialog.getByRole('button', { name: 'Next' });
  await expect(dialog.getByRole('radio', { name: /^CSV\s/ })).toBeChecked();
  await next.click();
  await next.click();

  // One custom header name for an export of five columns: the client lets it through, the server does not.
  const options = dialog.getByRole('region', { name: 'CSV options' });
  await options.getByLabel('Header row').selectOption('custom');
  await options.getByLabel('Header names').fill('when');
  await next.click();

  const [response] = await Promise.all([
    waitForExportResponse(page),
    dialog.getByRole('button', { name: 'Start download' }).click(),
  ]);
  expect(response.status()).toBe(400);
  expect(response.headers()['content-type']).toContain('application/problem+json');

  const alert = dialog.getByRole('alert');
  await expect(alert).toContainText('The request is not valid');
  await expect(alert).toContainText('formatOptions.headers');
  await expect(alert).toContainText('headers names 1 columns; the export has 5');
  await expect(dialog.getByRole('button', { name: 'Try again' })).toBeEnabled();
  await expect(dialog.getByText(/^Downloaded|Your browser is downloading/)).toHaveCount(0);

  // The alert leads back to the step that owns the field, where the field carries the server's message.
  await alert.getByRole('button', { name: 'Fix in Format options' }).click();
  const headers = dialog.getByLabel('Header names');
  await expect(headers).toHaveAttribute('aria-invalid', 'true');
  await expect(headers).toHaveAccessibleDescription(/headers names 1 columns; the export has 5/);

  expect(downloads).toHaveLength(0);
});

test('A query the server rejects shows its Problem Details on Explore and Quick Export downloads nothing', async ({
  page,
}) => {
  const downloads: Download[] = [];
  page.on('download', (download) => downloads.push(download));

  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  // Raw points have no time buckets to aggregate in.
  await explore.chooseGranularity('raw');
  await explore.chooseAggregations(['avg']);

  const problem = page.getByRole('alert').filter({ hasText: 'Aggregations need a time bucket' });
  await expect(problem).toHaveCount(1); // the preview's
  await expect(problem).toContainText('The request is not valid');

  const menu = await explore.openExportMenu();
  const [response] = await Promise.all([
    waitForExportResponse(page),
    menu.getByRole('menuitem', { name: 'CSV', exact: true }).click(),
  ]);
  expect(response.status()).toBe(400);
  await expect(problem).toHaveCount(2); // and the export's, next to the menu
  await expect(explore.exportButton).toBeEnabled();
  expect(downloads).toHaveLength(0);
});

/** The preview's chart part: min and max of every series per pixel column of the whole range. */
interface PreviewWithChart extends Preview {
  fileName: string;
  chart: { width: number; from: string; to: string; seriesTotal: number; series: { name: string; columns: number[] }[] };
}

test('Group by with Auto granularity previews and exports 15-minute buckets, and says it chose them', async ({
  page,
  duck,
}, testInfo) => {
  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.chooseMetrics(['cpu_percent']);
  const answer = waitForChartPreview(page, (body) => JSON.stringify(body.groupBy) === '["server"]');
  await explore.chooseGroupBy(['server']);
  expect((await (await answer).json()) as Preview).toMatchObject({ granularity: '15m' });

  await expect.poll(() => explore.granularityShown()).toBe('Auto (15m)');
  await expect(page.getByRole('term').filter({ hasText: 'Granularity' }).locator('+ dd')).toHaveText('Auto (15m)');
  await expect(page.getByRole('alert')).toHaveCount(0);

  // The request is checked and signed first (its answer names the file); the browser then downloads the link.
  const [response, { download }] = await Promise.all([waitForExportResponse(page), explore.quickExport('CSV')]);
  expect(response.status()).toBe(201);
  expect(((await response.json()) as { fileName: string }).fileName).toBe(download.suggestedFilename());
  await duck.loadCsv('auto', await save(download, testInfo));
  const shape = await duck.one(
    `SELECT count(DISTINCT server) AS servers, count(DISTINCT time) AS buckets,
            count(*) FILTER (WHERE epoch_ms(time::TIMESTAMPTZ) % 900000 <> 0) AS unaligned FROM auto`,
  );
  expect(shape.servers).toBe(SERVERS);
  expect(shape.unaligned).toBe(0);
  expect(Number(shape.buckets)).toBeGreaterThanOrEqual(96);
  expect(Number(shape.buckets)).toBeLessThanOrEqual(97);
});

test('The preview chart covers the whole range and every series, while the table says it holds the first 100 rows', async ({
  page,
  api,
}) => {
  const lastPoint = Date.parse((await api.source('servers')).extent!.to);
  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.chooseMetrics(['cpu_percent', 'memory_percent']);
  await explore.chooseGroupBy(['server']);
  const answer = waitForChartPreview(page, (body) => JSON.stringify(body.timeframe) === '{"last":"7d"}' && !!body.groupBy);
  await page.getByRole('group', { name: 'Time range' }).getByRole('button', { name: '7d' }).click();
  const preview = (await (await answer).json()) as PreviewWithChart;

  // Two metrics x ten servers, each from the first pixel column to the column of the last hourly bucket (the one
  // holding the newest point): the whole range (the old chart drew the first 100 rows: one line of one server).
  const { width, from, to } = preview.chart;
  expect(Date.parse(to) - Date.parse(from)).toBe(7 * 86_400_000);
  const lastBucket = Math.floor(lastPoint / 3_600_000) * 3_600_000;
  const lastColumn = Math.floor(((lastBucket - Date.parse(from)) * width) / (Date.parse(to) - Date.parse(from)));
  expect(preview.chart.seriesTotal).toBe(2 * SERVERS);
  expect(preview.chart.series).toHaveLength(2 * SERVERS);
  for (const series of preview.chart.series) {
    expect(series.columns[0], series.name).toBe(0);
    expect(series.columns.at(-1), series.name).toBeGreaterThanOrEqual(lastColumn - 1);
    expect(series.columns.at(-1), series.name).toBeLessThanOrEqual(lastColumn + 1);
  }
  await expect(page.getByRole('img', { name: /^Line chart of 20 series over the whole range/ })).toBeVisible();
  await expect(page.getByRole('region', { name: /^First 100 rows of/ })).toBeVisible();
});

test('An invalid custom range in the export dialog blocks Next and the stepper until it is fixed', async ({ page }) => {
  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  const dialog = await explore.openExportDialog();
  await dialog.getByRole('button', { name: 'Next' }).click();
  await dialog.getByRole('button', { name: 'Custom' }).click();
  await dialog.getByLabel('From', { exact: true }).fill('2026-11-29T12:00');
  await dialog.getByLabel('To', { exact: true }).fill('2026-11-20T12:00');

  await expect(dialog.locator('.field-error').filter({ hasText: 'The start must be before the end.' })).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Next' })).toBeDisabled();
  const stepper = dialog.getByRole('list', { name: 'Export steps' });
  await expect(stepper.getByRole('button', { name: /Delivery/ })).toHaveCount(0);

  await dialog.getByLabel('To', { exact: true }).fill('2026-11-29T18:00');
  await expect(dialog.getByRole('button', { name: 'Next' })).toBeEnabled();
  await stepper.getByRole('button', { name: /Delivery/ }).click();
  await expect(dialog.getByRole('heading', { name: /Delivery$/ })).toBeFocused();
  await expect(dialog.getByRole('term').filter({ hasText: 'Time range' }).locator('+ dd')).toContainText('Nov');
  await expect(dialog.getByRole('button', { name: 'Start download' })).toBeEnabled();
});

test('The file name the export dialog shows is the name of the file downloaded', async ({ page, api }) => {
  const { from, to } = lastWholeHour((await api.source('servers')).extent!.to);
  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.chooseRange(from, to);
  const dialog = await explore.openExportDialog();
  await dialog.getByRole('button', { name: 'Next' }).click();
  await dialog.getByRole('button', { name: 'Next' }).click();
  await dialog.getByLabel('Compression').selectOption('gzip');
  const hint = dialog.getByText(/^Saved as .+\.csv\.gz$/);
  await expect(hint).toBeVisible();
  await dialog.getByRole('button', { name: 'Next' }).click();

  const shown = dialog.getByTestId('export-file-name');
  await expect(shown).toHaveText(/\.csv\.gz$/);
  const name = (await shown.textContent())!;
  await expect(hint).toHaveCount(0);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByRole('button', { name: 'Start download' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(name);
  await expect(dialog.getByRole('button', { name: 'Done' })).toHaveCount(1);
});

test('Explore keeps its state in the address: a reload and a shared link open the same query', async ({ page, context }) => {
  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.chooseMetrics(['load_avg', 'net_in_mbps']);
  await explore.chooseGranularity('1h');
  await explore.chooseGroupBy(['region']);
  await explore.chooseAggregations(['max', 'p95']);
  await page.getByRole('group', { name: 'Time range' }).getByRole('button', { name: '7d' }).click();
  await explore.chooseTimeZone('Asia/Kolkata');
  await expect(page).toHaveURL(/#\/explore\?.*tz=Asia%2FKolkata/);

  const check = async (target: typeof page) => {
    const view = new ExplorePage(target);
    const answer = waitForChartPreview(target);
    const body = (await answer).request().postDataJSON() as ExportRequest;
    expect(body).toMatchObject({
      source: 'servers',
      metrics: ['load_avg', 'net_in_mbps'],
      timeframe: { last: '7d' },
      timezone: 'Asia/Kolkata',
      granularity: '1h',
      groupBy: ['region'],
      aggregations: ['max', 'p95'],
    });
    await expect(view.query.getByLabel('Granularity')).toHaveValue('1h');
    await expect(view.query.getByRole('combobox', { name: 'Time zone' })).toHaveValue('Asia/Kolkata');
    await expect(target.getByRole('group', { name: 'Time range' }).getByRole('button', { name: '7d' })).toHaveAttribute('aria-pressed', 'true');
  };
  const url = page.url();
  await Promise.all([check(page), page.reload()]);

  // The same link in another tab of the signed-in browser.
  const other = await context.newPage();
  await Promise.all([check(other), other.goto(url)]);
});

test('New template is made with the export steps: the saved request is what the steps show', async ({ page, api }) => {
  await login(page);
  await page.getByRole('link', { name: 'Templates' }).click();
  await page.getByRole('button', { name: 'New template' }).click();
  const dialog = page.getByRole('dialog', { name: 'New template' });
  const name = `Steps ${Date.now()}`;
  await dialog.getByLabel('Name').fill(name);

  const steps = dialog.getByRole('list', { name: 'Request steps' });
  await dialog.getByRole('radio', { name: /^Parquet/ }).check();
  await steps.getByRole('button', { name: /Data/ }).click();
  await dialog.getByLabel('Source').selectOption('servers');
  const metrics = dialog.getByRole('group', { name: 'Metrics' });
  await metrics.getByRole('checkbox', { name: /^load_avg/ }).check();
  await dialog.getByRole('group', { name: 'Group by' }).getByRole('checkbox', { name: 'server', exact: true }).check();
  await dialog.getByRole('group', { name: 'Export time range' }).getByRole('button', { name: '7d' }).click();
  await steps.getByRole('button', { name: /Format options/ }).click();
  await dialog.getByLabel('Parquet compression').selectOption('zstd');

  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/templates'),
    dialog.getByRole('button', { name: 'Create template' }).click(),
  ]);
  expect(response.status()).toBe(201);
  const created = (await response.json()) as { id: string; request: { series: ExportRequest } };
  expect(created.request.series).toMatchObject({
    source: 'servers',
    timeframe: { last: '7d' },
    groupBy: ['server'],
    format: 'parquet',
    formatOptions: { compression: 'zstd' },
  });
  expect((created.request.series.metrics as string[]).sort()).toEqual(['cpu_percent', 'load_avg']);
  await expect(page.getByRole('row', { name })).toContainText('Parquet');
  // Run through the API: the template's request is a valid export.
  const preview = await api.preview({ ...created.request.series });
  expect(preview.granularity).toBe('1h');
});

test('A finished or failed quick export does not move the page', async ({ page }) => {
  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  const preview = page.getByRole('img', { name: /^Line chart/ });
  await expect(preview).toBeVisible();
  const before = (await preview.boundingBox())!;
  const card = page.locator('.explore .content > .card');
  const cardTop = (await card.boundingBox())!.y;

  await explore.quickExport('CSV');
  await expect(page.getByRole('status').filter({ hasText: 'Your browser is downloading' })).toBeVisible();
  expect((await preview.boundingBox())!.y).toBe(before.y);

  // A query the server refuses: its Problem Details float over the page instead of pushing it down.
  await explore.chooseGranularity('raw');
  await explore.chooseAggregations(['avg']);
  const menu = await explore.openExportMenu();
  await Promise.all([waitForExportResponse(page), menu.getByRole('menuitem', { name: 'CSV', exact: true }).click()]);
  const toolbarAlert = page.locator('.quick-export').getByRole('alert');
  await expect(toolbarAlert).toContainText('Aggregations need a time bucket');
  expect((await card.boundingBox())!.y).toBe(cardTop);
  await page.locator('.quick-export').getByRole('button', { name: 'Dismiss' }).click();
  await expect(toolbarAlert).toHaveCount(0);
});
