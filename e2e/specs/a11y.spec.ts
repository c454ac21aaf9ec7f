import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { Api } from '../fixtures/api';
import { ExplorePage, expect, login, test } from '../fixtures';
import { openPage, PAGES, seedLists } from '../fixtures/pages';

// Runs at desktop size (chromium project) and on a phone (phone project), in the light and the dark theme.

test.beforeAll(async ({}, testInfo) => {
  const api = await Api.create(testInfo.project.use.baseURL!);
  await seedLists(api);
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
