import AxeBuilder from '@axe-core/playwright';
import { expect, login, test } from '../fixtures';
import { waitForChartPreview } from '../fixtures/explore';

// Explore's Live toggle against the real API: the page follows the source's stream with its session (no stream
// token), lists each new row exactly as ingested, and re-reads the chart so its numbers stay the server's. The test
// ingests into a source of its own, so the demo data other specs read is untouched.

interface ChartPreview {
  estimatedRows: number;
  chart?: { series: { name: string; min: (number | null)[]; max: (number | null)[] }[] } | null;
}

/** Now, as RFC 3339 with microseconds (the digits after milliseconds chosen, so a dropped digit shows). */
function nowWithMicros(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString().replace(/Z$/, '457Z');
}

test('Live follows new rows over the session, shows them exactly, and the chart is re-read to include them', async ({ page, api }) => {
  const source = `live-e2e-${Date.now().toString(36)}`;
  const created = await api.context.post('/api/v1/sources', { data: { name: source, kind: 'timeseries' } });
  expect(created.status(), await created.text()).toBe(201);
  const ingest = async (points: unknown[]) => {
    const response = await api.context.post(`/api/v1/sources/${source}/points`, { data: points });
    expect(response.ok(), await response.text()).toBe(true);
  };
  // One point before Live, so the metric exists and the chart has a start.
  await ingest([{ timestamp: nowWithMicros(-10 * 60_000), metric: 'load', value: 1.5, tags: { host: 'e2e' } }]);

  await login(page);
  // Explore reads its address when it opens: go there, then load the page afresh.
  await page.goto(`/#/explore?source=${source}&metrics=load&last=1h`);
  const first = waitForChartPreview(page, (body) => body.source === source);
  await page.reload();
  const before = (await (await first).json()) as ChartPreview;
  expect(before.estimatedRows).toBe(1);

  const streams: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === `/api/v1/sources/${source}/stream`) streams.push(request.url());
  });
  const toggle = page.getByRole('button', { name: 'Live', exact: true });
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  const panel = page.getByRole('region', { name: 'Live', exact: true });
  await expect(panel.getByRole('status')).toHaveText('Live: waiting for new data.');
  expect(streams).toHaveLength(1);
  expect(new URL(streams[0]!).searchParams.has('token')).toBe(false);
  await expect(page).toHaveURL(/live=1/);

  // A new point: its row appears as ingested (microseconds, every digit of the value), and the chart is re-read.
  const ts = nowWithMicros();
  // Opening the stream re-reads the chart too, and that read may still be answering: wait for the one that has the row.
  const reread = page.waitForResponse(async (response) => {
    const url = new URL(response.url());
    if (url.pathname !== '/api/v1/exports/series/preview' || !url.searchParams.has('chartWidth')) return false;
    if ((response.request().postDataJSON() as { source?: string }).source !== source) return false;
    return ((await response.json()) as ChartPreview).estimatedRows === 2;
  });
  await ingest([{ timestamp: ts, metric: 'load', value: 98765.4321, tags: { host: 'e2e' } }]);
  const row = panel.getByRole('row').nth(1);
  await expect(row).toHaveText(`${ts}98765.4321load {host=e2e}`);
  await expect(panel.getByRole('status')).toHaveText('Live.');
  await expect(panel.getByText(/^1 update, 1 row received; last committed \d{4}-\d\d-\d\dT[\d:.]+Z\.$/)).toBeVisible();
  const after = (await (await reread).json()) as ChartPreview;
  const maxima = after.chart!.series.flatMap((series) => series.max);
  expect(Math.max(...maxima.filter((value): value is number => value !== null))).toBe(98765.4321);
  await expect(page.getByText('Estimated rows').locator('xpath=following-sibling::*[1]')).toHaveText('2');

  // The page with Live on, in both themes: no serious or critical accessibility violation.
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const { violations } = await new AxeBuilder({ page }).analyze();
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`), colorScheme).toEqual([]);
  }

  // Off: the stream is closed and the address forgets Live.
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await expect(panel).toHaveCount(0);
  await expect(page).not.toHaveURL(/live=1/);
});
