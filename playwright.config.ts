import { defineConfig, devices } from '@playwright/test';

const port = Number(process.env.E2E_PORT || 5099);
const baseURL = `http://127.0.0.1:${port}`;

/**
 * End-to-end tests: the API (Release build) serving the built SPA on a fresh PostgreSQL database with the demo data
 * seeded (scripts/e2e-server.mjs). Build the SPA first: `npm run build -w web`.
 */
export default defineConfig({
  testDir: 'e2e/specs',
  outputDir: 'test-results',
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  // Two cores: one browser at a time next to the API and PostgreSQL.
  workers: 1,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL,
    acceptDownloads: true,
    trace: 'on-first-retry',
    // Custom ranges are typed into datetime-local inputs in the browser's time zone: pin it, so a test can say
    // which instants it means whatever zone the machine runs in.
    timezoneId: 'UTC',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    // Every spec at desktop size except the phone-only shell checks.
    { name: 'chromium', use: { ...devices['Desktop Chrome'] }, testIgnore: /shell\.spec\.ts$/ },
    // A phone (390x844, touch): the responsive shell and the accessibility scan only.
    {
      name: 'phone',
      use: { ...devices['Desktop Chrome'], viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
      testMatch: /(shell|a11y)\.spec\.ts$/,
    },
  ],
  webServer: {
    command: 'node scripts/e2e-server.mjs',
    url: `${baseURL}/health`,
    timeout: 180_000,
    reuseExistingServer: !process.env.CI,
    // SIGTERM lets the script stop the API and its throwaway PostgreSQL cluster instead of leaving them behind.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
