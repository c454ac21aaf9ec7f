import { Api } from '../fixtures/api';
import { ExplorePage, expect, login, test } from '../fixtures';
import { DELIVERIES_FIXTURE, LIVE_SOURCE, openPage, outsideViewport, PAGES, revokeTokensNamed, routeDeliveries, seedLists, seedSourcePage } from '../fixtures/pages';

// Runs in the phone project only (390x844, touch; see playwright.config.ts).

let sourcePage = '';

test.beforeAll(async ({}, testInfo) => {
  const api = await Api.create(testInfo.project.use.baseURL!);
  await seedLists(api);
  sourcePage = await seedSourcePage(api);
  await api.dispose();
});

test.describe('every page fits a 390px-wide phone', () => {
  for (const { name, hash, heading } of PAGES) {
    test(`${name} has no element outside the viewport and names itself in the tab`, async ({ page }) => {
      await login(page);
      await openPage(page, hash, heading);
      // A page may name itself more precisely ("ops-overview · Dashboards · Exports").
      await expect(page).toHaveTitle(new RegExp(`${name} · Exports$`));
      expect(await outsideViewport(page)).toEqual([]);
    });
  }

  test('a source page has no element outside the viewport, with its sink form, deliveries and a new token open', async ({ page }, testInfo) => {
    const tokenName = `phone ${testInfo.project.name} ${Date.now()}`;
    const api = await Api.create(testInfo.project.use.baseURL!);
    try {
      await routeDeliveries(page);
      await login(page);
      await openPage(page, sourcePage, new RegExp(LIVE_SOURCE));
      await expect(page).toHaveTitle(`${LIVE_SOURCE} · Sources · Exports`);
      expect(await outsideViewport(page), 'the page').toEqual([]);
      const sinks = page.getByRole('region', { name: 'Webhook sinks' });
      await sinks.getByRole('listitem').first().getByRole('button', { name: 'Deliveries' }).click();
      // The table with a failed and a noted batch (routed: the seeded sink's own may be none yet).
      await expect(sinks.getByRole('table').getByRole('row')).toHaveCount(DELIVERIES_FIXTURE.length + 1);
      await sinks.getByRole('button', { name: 'Add sink' }).click();
      await expect(sinks.getByRole('form', { name: 'New sink' })).toBeVisible();
      const tokens = page.getByRole('region', { name: 'Stream tokens' });
      await tokens.getByRole('button', { name: 'Create token' }).click();
      await page.getByRole('button', { name: 'Add origin' }).click();
      expect(await outsideViewport(page), 'the forms and deliveries').toEqual([]);

      // The shown-once token with its snippet.
      const form = tokens.getByRole('form', { name: 'New stream token' });
      await form.getByLabel('Name').fill(tokenName);
      await form.getByRole('textbox', { name: 'Origin 1' }).fill('https://a-rather-long-wallboard-origin.example.com');
      await form.getByRole('button', { name: 'Create stream token' }).click();
      await expect(tokens.getByRole('region', { name: `Token “${tokenName}” created` })).toBeVisible();
      expect(await outsideViewport(page), 'the new token').toEqual([]);
    } finally {
      await revokeTokensNamed(api, tokenName);
      await api.dispose();
    }
  });

  test('Login has no element outside the viewport and names itself in the tab', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
    await expect(page).toHaveTitle('Sign in · Exports');
    expect(await outsideViewport(page)).toEqual([]);
  });
});

test('the check finds an element that sticks out of the viewport', async ({ page }) => {
  // The overflow check itself can fail: a 600px box outside any scroll container is reported, one inside is not.
  await page.goto('/');
  await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
  await page.evaluate(() => {
    const wide = document.createElement('div');
    wide.className = 'too-wide';
    wide.style.width = '600px';
    wide.textContent = 'wide';
    document.body.append(wide);
    const scroller = document.createElement('div');
    scroller.style.overflowX = 'auto';
    scroller.innerHTML = '<div class="inside" style="width: 900px">inside</div>';
    document.body.append(scroller);
  });
  const found = await outsideViewport(page);
  expect(found.some((entry) => entry.startsWith('div.too-wide "wide"'))).toBe(true);
  expect(found.some((entry) => entry.includes('inside'))).toBe(false);
});

test('the Menu button opens the folded navigation, which reaches every page and closes after each choice', async ({ page }) => {
  await login(page);
  const menu = page.getByRole('button', { name: 'Menu' });
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(nav).toBeHidden();

  for (const { name } of PAGES.filter((entry) => entry.name !== 'Home')) {
    await menu.click();
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
    await nav.getByRole('link', { name, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`#/${name.toLowerCase()}$`));
    await expect(page.getByRole('main').getByRole('heading').first()).toBeVisible();
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(nav).toBeHidden();
    await expect(page).toHaveTitle(new RegExp(`${name} · Exports$`));
  }

  // The brand leads home.
  await page.getByRole('link', { name: 'Exports home' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(PAGES[0].heading);
});

test('the navigation works from the keyboard: Enter opens it, Tab enters it, Escape closes it and returns focus', async ({ page }) => {
  await login(page);
  const menu = page.getByRole('button', { name: 'Menu' });
  await menu.focus();
  await page.keyboard.press('Enter');
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Explore' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(menu).toBeFocused();
});

test('the export dialog is a full-screen sheet with its actions in view, and Escape closes it after focus fell to <body>', async ({ page }) => {
  await login(page);
  const explore = new ExplorePage(page);
  const dialog = await explore.openExportDialog();

  const box = (await dialog.boundingBox())!;
  expect(box).toEqual({ x: 0, y: 0, width: 390, height: 844 });
  await expect(dialog.getByRole('button', { name: 'Next' })).toBeInViewport({ ratio: 1 });
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeInViewport({ ratio: 1 });
  expect(await outsideViewport(page)).toEqual([]);

  // Focus that falls to <body> is brought back into the dialog (to its status message or first control).
  expect(await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    return document.activeElement === document.body;
  })).toBe(true);
  await expect.poll(() => dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);

  // Escape pressed while focus is on <body> (the key event then targets <body>, as a browser sends it) closes it.
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }));
  });
  await expect(dialog).toBeHidden();
  await expect(explore.exportButton).toBeVisible();
});

test('the export dialog can be completed on a phone: every step fits, and Start download hands the file to the browser', async ({ page }) => {
  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  const dialog = await explore.openExportDialog();
  const heading = dialog.getByRole('heading', { level: 3 });
  for (const step of ['Format', 'Data', 'Format options']) {
    await expect(heading).toHaveText(new RegExp(`Step \\d of 4:\\s*${step}$`));
    expect(await outsideViewport(page), `step ${step}`).toEqual([]);
    await dialog.getByRole('button', { name: 'Next' }).click();
  }
  await expect(heading).toHaveText(/Step 4 of 4:\s*Delivery/);
  expect(await outsideViewport(page), 'step Delivery').toEqual([]);
  const start = dialog.getByRole('button', { name: 'Start download' });
  await expect(start).toBeInViewport({ ratio: 1 });
  const [download] = await Promise.all([page.waitForEvent('download'), start.click()]);
  expect(download.suggestedFilename()).toMatch(/^servers-.*\.csv$/);
  const lines = (await (await download.createReadStream()).toArray()).join('').split('\n');
  expect(lines[0]).toMatch(/^time,/);
  expect(lines.filter((line) => line.length > 0).length).toBeGreaterThan(1);
  await expect(dialog.getByRole('status')).toContainText(`Your browser is downloading ${download.suggestedFilename()}`);
});

test('the quick export\'s status and its refusal stay on a phone\'s screen', async ({ page }) => {
  await login(page);
  const explore = new ExplorePage(page);
  await explore.chooseSource('servers');
  await explore.quickExport('CSV');
  const status = page.locator('.quick-export').getByRole('status');
  await expect(status).toContainText('Your browser is downloading');
  await expect(status).toBeInViewport({ ratio: 1 });
  expect(await outsideViewport(page), 'the status').toEqual([]);
  await explore.chooseGranularity('raw');
  await explore.chooseAggregations(['avg']);
  const menu = await explore.openExportMenu();
  await menu.getByRole('menuitem', { name: 'CSV', exact: true }).click();
  const refusal = page.locator('.quick-export').getByRole('alert');
  await expect(refusal).toContainText('Aggregations need a time bucket');
  await expect(refusal).toBeInViewport({ ratio: 1 });
  expect(await outsideViewport(page), 'the refusal').toEqual([]);
});

test('the theme follows the system until one is chosen, and the choice survives a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await login(page);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(await background()).toBe('rgb(15, 19, 32)');

  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByLabel('Appearance').selectOption('light');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await background()).toBe('rgb(246, 247, 251)');

  await page.reload();
  await expect(page.getByRole('button', { name: 'Menu' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await background()).toBe('rgb(246, 247, 251)');
});

test('an empty sign-in is checked in the form: messages under the fields, focus on the first', async ({ page }) => {
  await page.goto('/');
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(form.getByLabel('Email')).toBeFocused();
  await expect(form.getByLabel('Email')).toHaveAccessibleDescription('Enter your email address.');
  await expect(form.getByLabel('Password')).toHaveAccessibleDescription('Enter your password.');
  await expect(form).not.toContainText('**');

  await form.getByLabel('Email').fill('demo@exports.local');
  await form.getByLabel('Password').fill('not-the-password');
  await form.getByRole('button', { name: 'Sign in' }).click();
  const alert = form.getByRole('alert');
  await expect(alert).toHaveText(/Email or password is incorrect/);
  await expect(alert).toBeFocused();
});
