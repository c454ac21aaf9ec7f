import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { Api } from '../fixtures/api';
import { ExplorePage, expect, login, test } from '../fixtures';
import { DELIVERIES_FIXTURE, LIVE_SOURCE, openPage, PAGES, revokeTokensNamed, routeDeliveries, seedLists, seedSourcePage } from '../fixtures/pages';

// Runs at desktop size (chromium project) and on a phone (phone project), in the light and the dark theme.

let sourcePage = '';

test.beforeAll(async ({}, testInfo) => {
  const api = await Api.create(testInfo.project.use.baseURL!);
  await seedLists(api);
  sourcePage = await seedSourcePage(api);
  await api.dispose();
});

/** Serious and critical axe violations, one line each: rule, impact, what it says and where. */
async function seriousViolations(page: Page, include?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  if (include) builder.include(include);
  const { violations } = await builder.analyze();
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes
          .slice(0, 5)
          .map((node) => node.target.join(' '))
          .join(', ')}`,
    );
}

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`${scheme} theme`, () => {
    test.beforeEach(async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
    });

    for (const { name, hash, heading } of PAGES) {
      test(`${name} has no serious or critical accessibility violations`, async ({ page }) => {
        await login(page);
        await openPage(page, hash, heading);
        expect(await seriousViolations(page)).toEqual([]);
      });
    }

    test('a source page has no serious or critical accessibility violations, with its forms, a new token and a confirm open', async ({ page }, testInfo) => {
      // Unique per run and project, so a rerun against a reused server never meets an earlier run's token.
      const tokenName = `a11y ${testInfo.project.name} ${scheme} ${Date.now()}`;
      const api = await Api.create(testInfo.project.use.baseURL!);
      try {
        await routeDeliveries(page);
        await login(page);
        await openPage(page, sourcePage, new RegExp(LIVE_SOURCE));
        expect(await seriousViolations(page), 'the page').toEqual([]);

        const sinks = page.getByRole('region', { name: 'Webhook sinks' });
        await sinks.getByRole('listitem').first().getByRole('button', { name: 'Deliveries' }).click();
        // The table with a failed and a noted batch (routed: the seeded sink's own may be none yet).
        await expect(sinks.getByRole('table').getByRole('row')).toHaveCount(DELIVERIES_FIXTURE.length + 1);
        await expect(sinks.getByRole('table')).toContainText('deleted by retention');
        await sinks.getByRole('button', { name: 'Add sink' }).click();
        await expect(sinks.getByRole('form', { name: 'New sink' })).toBeVisible();
        expect(await seriousViolations(page), 'the sink form and deliveries').toEqual([]);
        await sinks.getByRole('button', { name: 'Cancel' }).click();

        const tokens = page.getByRole('region', { name: 'Stream tokens' });
        await tokens.getByRole('button', { name: 'Create token' }).click();
        const form = tokens.getByRole('form', { name: 'New stream token' });
        await form.getByLabel('Name').fill(tokenName);
        await form.getByRole('button', { name: 'Add origin' }).click();
        await form.getByRole('textbox', { name: 'Origin 1' }).fill('https://a11y.example.com');
        expect(await seriousViolations(page), 'the token form').toEqual([]);
        await form.getByRole('button', { name: 'Create stream token' }).click();
        await expect(tokens.getByRole('region', { name: `Token “${tokenName}” created` })).toBeVisible();
        expect(await seriousViolations(page), 'the new token').toEqual([]);

        // Revoke it again (so reruns never reach the per-source limit), scanning the confirm dialog.
        await tokens.getByRole('listitem', { name: tokenName }).getByRole('button', { name: 'Revoke' }).click();
        const dialog = page.getByRole('dialog', { name: 'Revoke stream token?' });
        await expect(dialog).toBeVisible();
        expect(await seriousViolations(page, '[role="dialog"]'), 'the confirm dialog').toEqual([]);
        await dialog.getByRole('button', { name: 'Revoke token' }).click();
        await expect(dialog).toBeHidden();
      } finally {
        // Revoked even when a check above failed midway.
        await revokeTokensNamed(api, tokenName);
        await api.dispose();
      }
    });

    test('Login has no serious or critical accessibility violations, empty or refused', async ({ page }) => {
      await page.goto('/');
      const form = page.getByRole('form', { name: 'Sign in' });
      await expect(form).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      await form.getByRole('button', { name: 'Sign in' }).click();
      await expect(form.getByLabel('Email')).toHaveAccessibleDescription('Enter your email address.');
      expect(await seriousViolations(page)).toEqual([]);
    });

    test('the open export dialog has no serious or critical accessibility violations on any step', async ({ page }) => {
      await login(page);
      const dialog = await new ExplorePage(page).openExportDialog();
      for (let step = 0; step < 4; step++) {
        expect(await seriousViolations(page, '[role="dialog"]'), `step ${step + 1}`).toEqual([]);
        const next = dialog.getByRole('button', { name: 'Next' });
        if (!(await next.isVisible())) break;
        await next.click();
      }
    });
  });
}
