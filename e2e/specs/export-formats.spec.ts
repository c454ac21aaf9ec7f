import fs from 'node:fs/promises';
import type { Download, Locator, Page, TestInfo } from '@playwright/test';
import { ExplorePage, expect, lastWholeHour, login, test, waitForExportRequest, type ExportRequest } from '../fixtures';
import type { Api } from '../fixtures/api';
import type { Duck, Row } from '../fixtures/duckdb';
import { excelTimeMs, formulas, readWorkbook, rowValues } from '../fixtures/excel';
import { convertToCsv } from '../fixtures/libreoffice';

// The demo data (api/Demo/DemoSeed.cs): 10 servers x 5 metrics, one point a minute. A custom range inside the last
// whole hour is complete and fixed, so every test reads the same 10 x 2 x 60 rows whatever "now" is. The source of
// truth for each binary format is the CSV export of the same request, read by DuckDB.
const SERVERS = 10;
const METRICS = ['cpu_percent', 'memory_percent'];
const ROWS = SERVERS * METRICS.length * 60;
const LONG_COLUMNS = ['time', 'metric', 'region', 'server', 'value'];

async function save(download: Download, testInfo: TestInfo): Promise<string> {
  const path = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(path);
  return path;
}

/** The same request as CSV with its default options: what the other formats are checked against. */
function asCsv(request: ExportRequest): ExportRequest {
  const csv: ExportRequest = { ...request, format: 'csv' };
  delete csv.formatOptions;
  delete csv.compression;
  delete csv.filename;
  return csv;
}

async function loadCsvExport(api: Api, duck: Duck, request: ExportRequest, testInfo: TestInfo): Promise<void> {
  const path = testInfo.outputPath('same-request.csv');
  await api.exportTo(asCsv(request), path);
  await duck.loadCsv('csv', path);
}

/** A loaded long-shape export in file order, time as epoch milliseconds (works for TIMESTAMP and TIMESTAMPTZ). */
function rowsOf(duck: Duck, table: string): Promise<Row[]> {
  return duck.all(`SELECT epoch_ms(time) AS time, metric, region, server, value FROM ${table} ORDER BY rowid`);
}

function perServer(duck: Duck, table: string): Promise<Row[]> {
  return duck.all(`SELECT server, count(*) AS n, sum(value) AS total FROM ${table} GROUP BY server ORDER BY server`);
}

/** Explore: servers, two metrics, the last whole hour; then Export ▾ → More options… with `format` chosen. */
async function openDialogWithFormat(page: Page, api: Api, format: RegExp): Promise<{ dialog: Locator; next: Locator }> {
  const servers = await api.source('servers');
  const { from, to } = lastWholeHour(servers.extent!.to);
  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.chooseMetrics(METRICS);
  await explore.chooseRange(from, to);

  const dialog = await explore.openExportDialog();
  const next = dialog.getByRole('button', { name: 'Next' });
  await dialog.getByRole('radio', { name: format }).check();
  await next.click();
  await expect(dialog.getByRole('heading', { level: 3 })).toHaveText(/Step 2 of 4:\s*Data/);
  await expect(dialog.getByText(new RegExp(`About ${ROWS.toLocaleString('en-US')} rows`))).toBeVisible();
  await next.click();
  await expect(dialog.getByRole('heading', { level: 3 })).toHaveText(/Step 3 of 4:\s*Format options/);
  return { dialog, next };
}

/** Delivery → Start download: the browser download and the request body the SPA sent. */
async function startDownload(page: Page, dialog: Locator): Promise<{ download: Download; body: ExportRequest }> {
  await expect(dialog.getByRole('heading', { level: 3 })).toHaveText(/Step 4 of 4:\s*Delivery/);
  const [download, request] = await Promise.all([
    page.waitForEvent('download'),
    waitForExportRequest(page),
    dialog.getByRole('button', { name: 'Start download' }).click(),
  ]);
  await expect(dialog.getByRole('status')).toContainText(`Your browser is downloading ${download.suggestedFilename()}`);
  return { download, body: request.postDataJSON() as ExportRequest };
}

test('Parquet with zstd pages from the export dialog holds the rows and per-server sums of the CSV export', async ({
  page,
  api,
  duck,
}, testInfo) => {
  const { dialog, next } = await openDialogWithFormat(page, api, /^Parquet\s/);
  const options = dialog.getByRole('region', { name: 'Parquet options' });
  await expect(options.getByLabel('Parquet compression')).toHaveValue('snappy');
  await options.getByLabel('Parquet compression').selectOption('zstd');
  // The codec works inside the file; the dialog leaves whole-file compression off.
  await expect(dialog.getByLabel('Whole-file compression')).toHaveValue('none');
  await next.click();

  const { download, body } = await startDownload(page, dialog);
  expect(body).toMatchObject({ source: 'servers', metrics: METRICS, format: 'parquet', compression: 'none' });
  expect(body.formatOptions).toEqual({ compression: 'zstd' });
  expect(download.suggestedFilename()).toMatch(/^servers-.*\.parquet$/);
  const file = await save(download, testInfo);

  // DuckDB reads the footer and the pages: every column chunk is zstd.
  expect(await duck.parquetCodecs(file)).toEqual(['ZSTD']);
  await duck.loadParquet('parquet', file);
  expect((await duck.columns('parquet')).map((column) => column.name)).toEqual(LONG_COLUMNS);

  await loadCsvExport(api, duck, body, testInfo);
  const fromParquet = await perServer(duck, 'parquet');
  const fromCsv = await perServer(duck, 'csv');
  expect(fromParquet).toHaveLength(SERVERS);
  expect(fromParquet.map((row) => [row.server, row.n])).toEqual(fromCsv.map((row) => [row.server, row.n]));
  expect(fromParquet.every((row) => row.n === METRICS.length * 60)).toBe(true);
  fromParquet.forEach((row, index) => {
    expect(row.total as number, `sum of ${row.server}`).toBeCloseTo(fromCsv[index]!.total as number, 6);
  });

  // Row by row, in file order: the same times, series and values (both writers print doubles round-trip).
  const rows = await rowsOf(duck, 'parquet');
  expect(rows).toHaveLength(ROWS);
  expect(rows).toEqual(await rowsOf(duck, 'csv'));
});

test('Excel from the export dialog has Data, Summary and About sheets, the CSV export\'s rows and SUM formulas over Data', async ({
  page,
  api,
  duck,
}, testInfo) => {
  const { dialog, next } = await openDialogWithFormat(page, api, /^Excel\s/);
  const options = dialog.getByRole('region', { name: 'Excel options' });
  await expect(options.getByLabel('Excel sheet name')).toHaveValue('Data');
  await expect(options.getByRole('checkbox', { name: /^Include summary sheet/ })).toBeChecked();
  await next.click();

  const { download, body } = await startDownload(page, dialog);
  expect(body).toMatchObject({ source: 'servers', metrics: METRICS, format: 'xlsx' });
  expect(download.suggestedFilename()).toMatch(/^servers-.*\.xlsx$/);
  const file = await save(download, testInfo);

  const workbook = await readWorkbook(file);
  expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(expect.arrayContaining(['Data', 'Summary', 'About']));
  const data = workbook.getWorksheet('Data')!;

  // The header row: the preview's columns, in bold.
  const preview = await api.preview(body);
  const header = rowValues(data, 1);
  expect(header).toEqual(preview.columns.map((column) => column.name));
  expect(header).toEqual(LONG_COLUMNS);
  header.forEach((name, index) => expect(data.getRow(1).getCell(index + 1).font?.bold, `${name} header is bold`).toBe(true));

  // The data rows: the CSV export's rows, in order, with times as Excel dates (UTC wall clock: timezone is UTC).
  expect(body.timezone).toBe('UTC');
  await loadCsvExport(api, duck, body, testInfo);
  const expected = await rowsOf(duck, 'csv');
  expect(expected).toHaveLength(ROWS);
  expect(data.actualRowCount - 1).toBe(ROWS);
  const rows: Row[] = [];
  for (let index = 2; index <= ROWS + 1; index++) {
    const cells = rowValues(data, index);
    const row = Object.fromEntries(header.map((name, column) => [name, cells[column]]));
    rows.push({ ...row, time: excelTimeMs(row.time) });
  }
  expect(rows.slice(0, 5)).toEqual(expected.slice(0, 5));
  expect(rows).toEqual(expected);

  // Summary: live formulas over the Data sheet, e.g. SUM('Data'!$E$2:$E$1201) for the value column, whose cached
  // result is the CSV's sum.
  const summary = formulas(workbook.getWorksheet('Summary')!);
  expect(summary.length).toBeGreaterThan(0);
  expect(summary.some(({ formula }) => /^SUM\(/i.test(formula))).toBe(true);
  expect(summary.every(({ formula }) => /'?Data'?!/.test(formula) || !/!/.test(formula))).toBe(true);
  const letter = String.fromCharCode(65 + LONG_COLUMNS.indexOf('value'));
  const valueSum = summary.find(({ formula }) =>
    new RegExp(`^SUM\\('?Data'?!\\$?${letter}\\$?2:\\$?${letter}\\$?${ROWS + 1}\\)$`).test(formula),
  );
  expect(valueSum, `a SUM over Data!${letter}2:${letter}${ROWS + 1} among ${summary.map((f) => f.formula).join(' | ')}`).toBeDefined();
  const { total } = await duck.one('SELECT sum(value) AS total FROM csv');
  expect(valueSum!.result as number).toBeCloseTo(total as number, 6);
});

test('LibreOffice converts the Excel export\'s Data sheet to the values of the CSV export', async ({ api, duck }, testInfo) => {
  test.slow(); // LibreOffice starts cold with a fresh profile
  const servers = await api.source('servers');
  const { from, to } = lastWholeHour(servers.extent!.to);
  // Six decimals in the cells' number format, so the sheet as LibreOffice shows it keeps the values to 5e-7.
  const request: ExportRequest = {
    source: 'servers',
    metrics: METRICS,
    timeframe: { from: from.toISOString(), to: to.toISOString() },
    timezone: 'UTC',
    granularity: 'raw',
    shape: 'long',
    format: 'xlsx',
    formatOptions: { numberFormat: '0.000000' },
  };
  const xlsx = testInfo.outputPath('servers.xlsx');
  await api.exportTo(request, xlsx);

  const outDir = testInfo.outputPath('libreoffice');
  await fs.mkdir(outDir, { recursive: true });
  const converted = await convertToCsv(xlsx, outDir);
  await duck.loadCsv('lo', converted);
  expect((await duck.columns('lo')).map((column) => column.name)).toEqual(LONG_COLUMNS);

  await loadCsvExport(api, duck, request, testInfo);
  const fromLibreOffice = await rowsOf(duck, 'lo');
  const expected = await rowsOf(duck, 'csv');
  expect(fromLibreOffice).toHaveLength(ROWS);
  expect(expected).toHaveLength(ROWS);

  // Times (to the second, the default date format), metrics, regions and servers are equal; values within rounding.
  const key = ({ value: _value, ...rest }: Row) => rest;
  expect(fromLibreOffice.map(key)).toEqual(expected.map(key));
  const worst = Math.max(
    ...fromLibreOffice.map((row, index) => Math.abs((row.value as number) - (expected[index]!.value as number))),
  );
  expect(worst).toBeLessThanOrEqual(5e-7 + 1e-12);
});
