import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerOverHttp } from '../utils/forms.js';
import { ServerScope, type ServerProcess } from '../utils/server-process.js';
import { blocking, checkAccessibility, summarize, type AxeReport } from './support/axe.js';
import { Browser, browserSuite, startServer } from './support/chromium.js';
import { signIn, useTheme } from './support/pages.js';

const SCREENSHOTS = join(process.cwd(), 'docs', 'screenshots');
const NAME = 'Ada Lovelace';
const PASSWORD = 'analytical engine';
const SAFARI_ON_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

interface PageVisit {
  name: string;
  /** Who looks at it: someone signed out, or Ada. */
  as: 'visitor' | 'ada';
  open: (page: Page) => Promise<unknown>;
  /** Photographed for the README as `docs/screenshots/<name>-<theme>.png`. */
  screenshot?: boolean;
}

const PAGES: PageVisit[] = [
  { name: 'login', as: 'visitor', open: (page) => page.goto('/login'), screenshot: true },
  {
    name: 'login-error',
    as: 'visitor',
    open: async (page) => {
      await page.goto('/login');
      // Blank after trimming: past the browser's own check, refused by the server (400).
      await page.getByLabel('Name', { exact: true }).fill('   ');
      await page.getByLabel('Password', { exact: true }).fill('not the password');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('alert').waitFor();
    },
  },
  { name: 'register', as: 'visitor', open: (page) => page.goto('/register') },
  { name: 'not-found', as: 'visitor', open: (page) => page.goto('/no/such/page') },
  { name: 'home', as: 'ada', open: (page) => page.goto('/'), screenshot: true },
  { name: 'logout', as: 'ada', open: (page) => page.goto('/logout') },
  { name: 'sessions', as: 'ada', open: (page) => page.goto('/sessions'), screenshot: true },
  { name: 'account', as: 'ada', open: (page) => page.goto('/account'), screenshot: true },
  // The confirmation after a change, as shown after its redirect (the query alone shows it).
  { name: 'account-changed', as: 'ada', open: (page) => page.goto('/account?changed=1') },
  { name: 'cart', as: 'ada', open: (page) => page.goto('/cart'), screenshot: true },
];

/**
 * Session times change every minute; the screenshots show a fixed one, so that running the
 * tests again does not change the committed pictures.
 */
const pinTimes = (page: Page) =>
  page.evaluate(
    "document.querySelectorAll('time').forEach((time) => { time.textContent = '26 Nov 2026, 09:41 UTC'; })",
  );

describe.runIf(browserSuite())('every page, in both themes', () => {
  const scope = new ServerScope();
  const reports: AxeReport[] = [];
  let server: ServerProcess;
  let visitor: Browser;
  let ada: Browser;

  beforeAll(async () => {
    server = await startServer(scope);
    [visitor, ada] = await Promise.all([Browser.launch(server.url), Browser.launch(server.url)]);
    // Ada is also signed in on a Mac, so the sessions page has another session to end.
    const mac = request.agent(server.url).set('User-Agent', SAFARI_ON_MAC);
    const registered = await registerOverHttp(mac, NAME, PASSWORD);
    if (registered.status !== 303) throw new Error(`registration answered ${registered.status}`);
    await signIn(ada.page, NAME, PASSWORD);
    await ada.page.goto('/cart');
    for (const item of ['Difference engine', 'Punched cards', 'Bernoulli numbers']) {
      await ada.page.getByLabel('Add an item').fill(item);
      await ada.page.getByRole('button', { name: 'Add to cart' }).click();
      await ada.page.waitForURL('/cart');
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await Promise.all([visitor?.close(), ada?.close()]);
    await scope.cleanup();
    if (reports.length > 0) process.stdout.write(summarize(reports));
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe-core violations in the ${theme} theme`, async () => {
      for (const browser of [visitor, ada]) {
        await browser.page.goto('/login');
        await useTheme(browser.page, theme);
      }
      const found: string[] = [];
      for (const visit of PAGES) {
        const { page } = visit.as === 'ada' ? ada : visitor;
        await visit.open(page);
        const report = await checkAccessibility(page, { page: visit.name, theme });
        reports.push(report);
        found.push(...blocking(report).map((line) => `${visit.name}: ${line}`));
        if (visit.screenshot) {
          await pinTimes(page);
          await page.screenshot({ path: join(SCREENSHOTS, `${visit.name}-${theme}.png`) });
        }
      }
      expect(found).toEqual([]);
    });
  }
});
