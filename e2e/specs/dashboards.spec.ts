import type { Download, Page, TestInfo } from '@playwright/test';
import { DashboardsPage, expect, hexRgb, login, readPdf, readPng, test } from '../fixtures';

// The demo user's "Ops overview" (api/Demo/DemoVisuals.cs): ten widgets on a 12-column grid, the last 24 hours in
// UTC, no saved theme, page or scale, so light, A4 portrait and 1x, 1600 pixels wide.
const OPS = 'Ops overview';
const VIEWPORT = 1600;
// api/Rendering/Theme.cs: the dark theme's page background.
const DARK_BACKGROUND = '#111217';

async function save(download: Download, testInfo: TestInfo): Promise<string> {
  const path = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(path);
  return path;
}

async function openOps(page: Page): Promise<DashboardsPage> {
  await login(page);
  const dashboards = new DashboardsPage(page);
  await dashboards.open();
  await dashboards.select(OPS);
  return dashboards;
}

test('Ops overview shows the server-drawn preview and its PDF export holds the title and the widgets', async ({
  page,
}, testInfo) => {
  const dashboards = await openOps(page);

  const preview = await dashboards.loadedPreview(OPS, 'last=24h&theme=light&scale=1');
  expect(preview.width).toBe(VIEWPORT);

  const { download, response } = await dashboards.export('PDF');
  expect(response.status()).toBe(200);
  expect(new URL(response.url()).search).toBe('?last=24h&theme=light&page=A4&orientation=portrait');
  expect(response.headers()['content-type']).toBe('application/pdf');
  expect(download.suggestedFilename()).toMatch(/\.pdf$/);
  const file = await save(download, testInfo);
  await expect(page.getByRole('status').filter({ hasText: 'Downloaded' })).toContainText(download.suggestedFilename());

  // pdf.js reads the file: as many pages as the server reported, with the title and the widgets' titles as text.
  const pdf = await readPdf(file);
  expect(pdf.pages).toBeGreaterThanOrEqual(1);
  expect(pdf.pages).toBe(Number(response.headers()['export-pages']));
  expect(pdf.text).toContain(OPS);
  expect(pdf.text).toContain('CPU by server');

  const widgets = JSON.parse(response.headers()['export-widgets'] ?? '[]') as { id: string; status: string }[];
  expect(widgets.find((widget) => widget.id === 'cpu')?.status).toBe('ok');
});

test('Dark theme at 2x previews and exports a 3200-pixel PNG on the dark background', async ({ page }, testInfo) => {
  const dashboards = await openOps(page);

  await dashboards.choose('Theme', 'Dark');
  await dashboards.choose('Scale', '2x');
  // What you see is what you export: the preview is the same image at the same size.
  expect((await dashboards.loadedPreview(OPS, 'theme=dark&scale=2')).width).toBe(2 * VIEWPORT);

  const { download, response } = await dashboards.export('PNG');
  expect(response.status()).toBe(200);
  expect(new URL(response.url()).search).toBe('?last=24h&theme=dark&scale=2');
  expect(download.suggestedFilename()).toMatch(/\.png$/);

  const png = await readPng(await save(download, testInfo));
  expect(png.width).toBe(2 * VIEWPORT);
  const [r, g, b, a] = png.pixel(0, 0);
  const [dr, dg, db] = hexRgb(DARK_BACKGROUND);
  expect(Math.abs(r - dr), `red of ${[r, g, b]}`).toBeLessThanOrEqual(2);
  expect(Math.abs(g - dg), `green of ${[r, g, b]}`).toBeLessThanOrEqual(2);
  expect(Math.abs(b - db), `blue of ${[r, g, b]}`).toBeLessThanOrEqual(2);
  expect(a).toBe(255);
});

test('One widget exports on its own as a full-width PNG', async ({ page }, testInfo) => {
  const dashboards = await openOps(page);

  const { download, response } = await dashboards.exportWidget('CPU by server', 'PNG');
  expect(response.status()).toBe(200);
  expect(new URL(response.url()).pathname).toMatch(/\/api\/v1\/dashboards\/[^/]+\/widgets\/cpu\/export\.png$/);
  expect(new URL(response.url()).search).toBe('?last=24h&theme=light&scale=1');
  await expect(
    page.getByRole('region', { name: 'Widgets' }).getByRole('status').filter({ hasText: 'Downloaded' }),
  ).toContainText(download.suggestedFilename());

  const png = await readPng(await save(download, testInfo));
  expect(png.width).toBe(VIEWPORT);
  // One widget, not the whole dashboard: far shorter than the 14-row grid.
  const whole = await dashboards.loadedPreview(OPS, 'scale=1');
  expect(png.height).toBeLessThan(whole.height / 2);
});

test("A panel's ⋯ menu downloads its data as CSV with the numbers the API exports", async ({ page, api, duck }, testInfo) => {
  // A fixed range inside the seeded data (the last whole hours), so the browser's file and the API's answer cover
  // the same points however long apart they are asked.
  const servers = await api.source('servers');
  const to = new Date(servers.extent!.to);
  to.setUTCMinutes(0, 0, 0);
  const from = new Date(to.getTime() - 6 * 3_600_000);
  const local = (date: Date) => date.toISOString().slice(0, 16); // datetime-local, in the pinned UTC zone

  const dashboards = await openOps(page);
  const presets = page.getByRole('group', { name: 'Time range', exact: true });
  await presets.getByRole('button', { name: 'Custom', exact: true }).click();
  await page.getByLabel('From', { exact: true }).fill(local(from));
  await page.getByLabel('To', { exact: true }).fill(local(to));

  const menu = await dashboards.panelMenu('Network in by region, hourly');
  await expect(menu.getByRole('menuitem')).toHaveText([/^PNG/, /^PDF/, /^CSV/, /^Excel/, /^JSON/]);
  await page.keyboard.press('Escape');
  const download = await dashboards.downloadWidgetData('Network in by region, hourly', 'CSV');
  const url = new URL(download.url());
  expect(url.pathname).toMatch(/\/api\/v1\/dashboards\/[^/]+\/widgets\/net-region\/export\.csv$/);
  expect(download.suggestedFilename()).toMatch(/^ops-overview-net-region-\d{4}-\d{2}-\d{2}\.csv$/);
  await expect(
    page.getByRole('region', { name: 'Widgets' }).getByRole('status').filter({ hasText: 'your browser is downloading it' }),
  ).toContainText('Network in by region, hourly as CSV');
  const file = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(file);

  // The same panel's data as JSON from the API (API key, no browser): every hour and region, the same averages.
  const response = await api.context.get(`${url.pathname.replace(/\.csv$/, '.json')}${url.search}`);
  expect(response.status(), await response.text()).toBe(200);
  const json = (await response.json()) as { data: { time: string; region: string; avg: number }[] };
  expect(json.data.length).toBe(6 * 2); // six hours, two regions (eu-west, us-east)
  await duck.loadCsv('panel', file);
  const rows = await duck.all(
    'SELECT CAST(epoch_ms(CAST(time AS TIMESTAMPTZ)) AS DOUBLE) AS ms, region, avg FROM panel ORDER BY ms, region',
  );
  expect(rows).toHaveLength(json.data.length);
  const byKey = new Map(json.data.map((row) => [`${Date.parse(row.time)}|${row.region}`, row.avg]));
  for (const row of rows as { ms: number; region: string; avg: number }[]) {
    const expected = byKey.get(`${row.ms}|${row.region}`);
    expect(expected, `the API has ${new Date(row.ms).toISOString()} ${row.region}`).toBeDefined();
    expect(row.avg).toBeCloseTo(expected!, 9);
  }
});
