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
import type { Duck, Row } from '../fixtures/duckdb';

// The demo data (api/Host/DemoSeed.cs): 10 servers x 5 metrics, one point a minute for 30 days up to the seed time;
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
  await expect(page.getByRole('status').filter({ hasText: 'Downloaded' })).toContainText(download.suggestedFilename());

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
  await expect(dialog.getByRole('status')).toContainText(`Downloaded ${download.suggestedFilename()}`);

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
  await expect(dialog.getByText(/^Downloaded/)).toHaveCount(0);

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
