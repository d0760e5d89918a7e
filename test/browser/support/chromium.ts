import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ServerScope, type ServerProcess } from '../../utils/server-process.js';

/** Debian's `chromium` package: the launcher script, and the binary it starts. */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_BINARY = '/usr/lib/chromium/chromium';

/** The viewport of every page, screenshots included. */
export const VIEWPORT = { width: 1000, height: 700 };

/**
 * Whether the browser suite runs. Without Chromium it is skipped with a visible warning, unless
 * `REQUIRE_CHROMIUM=1` (CI): then it runs, and fails at the first launch.
 * @example describe.runIf(browserSuite())('…', () => {});
 */
export function browserSuite(): boolean {
  if (existsSync(CHROMIUM) || process.env.REQUIRE_CHROMIUM === '1') return true;
  // oxlint-disable-next-line no-console
  console.warn(`SKIPPED: browser suite, because ${CHROMIUM} is missing`);
  return false;
}

/**
 * A browser with a profile of its own (a separate cookie jar), closed and removed by `close`.
 * Two of them are two people, or one person on two devices.
 */
export class Browser {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly profile: string,
  ) {}

  static async launch(baseURL: string): Promise<Browser> {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing (apt-get install chromium)`);
    }
    const profile = mkdtempSync(join(tmpdir(), 'nsa-chromium-'));
    // STACK-NOTES 61: a user data dir needs launchPersistentContext; 62: an absolute path.
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: existsSync(CHROMIUM_BINARY) ? CHROMIUM_BINARY : CHROMIUM,
      headless: true,
      baseURL,
      viewport: VIEWPORT,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-dev-shm-usage',
        '--disable-quic',
      ],
    });
    context.setDefaultTimeout(10_000);
    const page = context.pages()[0] ?? (await context.newPage());
    return new Browser(context, page, profile);
  }

  /** Forgets every cookie and leaves the page blank: a browser nobody has used yet. */
  async reset(): Promise<void> {
    await this.context.clearCookies();
    await this.page.goto('about:blank');
  }

  /** The session cookie as the browser keeps it: `expires` is -1 for a browser-session cookie. */
  async sessionCookie() {
    return (await this.context.cookies()).find((cookie) => cookie.name === 'sid');
  }

  async close(): Promise<void> {
    await this.context.close();
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** `node dist/main.js` on a fresh DATA_DIR, as `npm start` runs it. */
export async function startServer(scope: ServerScope): Promise<ServerProcess> {
  return scope.start({
    DATA_DIR: scope.tempDir(),
    SESSION_SECRET: 'browser-test-secret',
  });
}
