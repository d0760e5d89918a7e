import { join } from 'node:path';
import { Controller, Get, Req } from '@nestjs/common';
import { unsign } from 'cookie-signature';
import type { Request } from 'express';
// `expect` comes from each test's context (concurrent tests) or the Vitest globals.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { SESSION_STORE, SqliteDatabase, type ManagedSessionStore } from 'nest-session-auth';
import { createTestApp, tempDataDir, type TestApp } from './utils/create-test-app.js';
import { csrfToken, register, setCookie, signIn, cookiePair } from './utils/forms.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many rows the SQLite session table holds, expired or not (for one cookie's session, if given). */
async function rowCount(dataDir: string, cookie?: string): Promise<number> {
  const db = await SqliteDatabase.open(join(dataDir, 'sessions.db'), () => undefined);
  const sid = cookie && decodeURIComponent(cookie.split('=')[1]).slice(2).split('.')[0];
  try {
    const row = sid
      ? await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM sessions WHERE sid = ?', [sid])
      : await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM sessions');
    return row!.n;
  } finally {
    await db.close();
  }
}

async function ownerOfSessions(dataDir: string): Promise<string> {
  const db = await SqliteDatabase.open(join(dataDir, 'sessions.db'), () => undefined);
  try {
    return (await db.get<{ owner: string }>('SELECT owner FROM sessions WHERE owner IS NOT NULL'))!
      .owner;
  } finally {
    await db.close();
  }
}

describe.concurrent('timeouts enforced by the server', () => {
  it('ends a browser session after the idle timeout, and activity slides it', async ({
    expect,
  }) => {
    const t = await createTestApp({ SESSION_IDLE_TIMEOUT: '2' });
    try {
      await register(t.agent(), 'idle');
      const cookie = cookiePair(await signIn(t.agent(), 'idle'))!;
      for (let i = 0; i < 3; i++) {
        await sleep(1200); // 3.6 s in all: longer than the timeout, but never 2 s idle
        expect((await t.agent().get('/api/me').set('Cookie', cookie)).status).toBe(200);
      }
      await sleep(2300);
      expect((await t.agent().get('/api/me').set('Cookie', cookie)).status).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('keeps a remembered session for its max age, sliding, and re-sends the cookie as it slides', async ({
    expect,
  }) => {
    const t = await createTestApp({ SESSION_REMEMBER_MAX_AGE: '2', SESSION_IDLE_TIMEOUT: '60' });
    try {
      await register(t.agent(), 'keeper');
      const first = await signIn(t.agent(), 'keeper', 'correct horse', { remember: '1' });
      expect(setCookie(first, 'sid')).toMatch(/Max-Age=2\b/);
      const cookie = cookiePair(first)!;
      await sleep(1200);
      const slid = await t.agent().get('/api/me').set('Cookie', cookie);
      expect(slid.status).toBe(200);
      expect(setCookie(slid, 'sid')).toMatch(/Max-Age=2\b/);
      await sleep(1200); // 2.4 s after sign-in, 1.2 s after the last request
      expect((await t.agent().get('/api/me').set('Cookie', cookie)).status).toBe(200);
      await sleep(2300);
      expect((await t.agent().get('/api/me').set('Cookie', cookie)).status).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('ends any session at the absolute timeout, however active', async ({ expect }) => {
    const t = await createTestApp({ SESSION_ABSOLUTE_TIMEOUT: '3', SESSION_IDLE_TIMEOUT: '60' });
    try {
      await register(t.agent(), 'busy');
      const cookie = cookiePair(
        await signIn(t.agent(), 'busy', 'correct horse', { remember: '1' }),
      )!;
      const started = Date.now();
      while (Date.now() - started < 2500) {
        expect((await t.agent().get('/api/me').set('Cookie', cookie)).status).toBe(200);
        await sleep(500);
      }
      await sleep(3200 - (Date.now() - started));
      expect((await t.agent().get('/api/me').set('Cookie', cookie)).status).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('purges expired sessions on the schedule, leaving no expired rows and a consistent index', async ({
    expect,
  }) => {
    const t = await createTestApp({ SESSION_IDLE_TIMEOUT: '1', SESSION_PURGE_INTERVAL: '1' });
    try {
      await register(t.agent(), 'purged');
      for (let i = 0; i < 3; i++) await signIn(t.agent(), 'purged');
      const owner = await ownerOfSessions(t.dataDir);
      expect(await rowCount(t.dataDir)).toBeGreaterThan(0);
      await sleep(3500); // expired after 1 s idle, purged by a later 1 s tick
      expect(await rowCount(t.dataDir)).toBe(0);
      const store = t.app.get<ManagedSessionStore>(SESSION_STORE);
      expect(await store.listOwned(owner)).toEqual([]);
      expect(await store.destroyOwned(owner, {})).toBe(0);
    } finally {
      await t.close();
    }
  });
});

/** A route that holds its request open, with the session loaded, until the test lets go. */
@Controller('test')
class HoldController {
  static release: () => void = () => undefined;
  static entered: Promise<void>;
  private static enter: () => void;

  static arm(): void {
    HoldController.entered = new Promise((resolve) => (HoldController.enter = resolve));
  }

  @Get('hold')
  async hold(@Req() req: Request) {
    HoldController.enter();
    await new Promise<void>((resolve) => (HoldController.release = resolve));
    // A write after sign-out: it must not bring the session back.
    (req.session as unknown as Record<string, unknown>).late = 'write';
    return { done: true };
  }
}

describe('a destroyed session stays destroyed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, undefined, [HoldController]);
    await register(t.agent(), 'ghost');
  });
  afterAll(() => t.close());

  it('is not brought back by a request that was in flight across the sign-out', async () => {
    const browser = t.agent();
    const cookie = cookiePair(await signIn(browser, 'ghost'))!;
    HoldController.arm();
    const held = t
      .agent()
      .get('/test/hold')
      .set('Cookie', cookie)
      .then((res) => res);
    await HoldController.entered;

    const token = csrfToken((await browser.get('/')).text);
    expect((await browser.post('/logout').type('form').send({ _csrf: token })).status).toBe(303);
    HoldController.release();
    expect((await held).status).toBe(200);

    expect((await t.agent().get('/api/me').set('Cookie', cookie)).status).toBe(401);
    expect(await rowCount(t.dataDir, cookie)).toBe(0);
  });
});

describe('secret rotation', () => {
  it('re-issues a cookie signed with an older secret, signed with the newest', async () => {
    const dataDir = tempDataDir();
    const before = await createTestApp({ SESSION_SECRET: 'old-secret' }, dataDir);
    await register(before.agent(), 'rotor');
    const cookie = cookiePair(await signIn(before.agent(), 'rotor'))!;
    await before.close();

    const after = await createTestApp({ SESSION_SECRET: 'new-secret,old-secret' }, dataDir);
    try {
      const res = await after.agent().get('/api/me').set('Cookie', cookie);
      expect(res.body).toEqual({ name: 'rotor' });
      const reissued = decodeURIComponent(cookiePair(res)!.slice('sid='.length));
      const id = decodeURIComponent(cookie.slice('sid='.length)).slice(2).split('.')[0];
      expect(unsign(reissued.slice(2), 'new-secret')).toBe(id);
      expect(setCookie(res, 'sid')).toContain('HttpOnly');
      expect(setCookie(res, 'sid')).not.toMatch(/Expires/); // still a browser-session cookie

      const current = await after.agent().get('/api/me').set('Cookie', cookiePair(res)!);
      expect(setCookie(current, 'sid')).toBeUndefined(); // nothing to re-issue any more
    } finally {
      await after.close();
    }
  });
});
