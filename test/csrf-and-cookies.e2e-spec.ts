import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, tempDataDir, type TestApp } from './utils/create-test-app.js';
import { csrfToken, register, setCookie, signIn } from './utils/forms.js';

describe('CSRF protection', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await register(t.agent(), 'alice');
  });
  afterEach(() => vi.useRealTimers());
  afterAll(() => t.close());

  it.each(['/login', '/register', '/logout'])(
    'refuses POST %s without a token with 403',
    async (path) => {
      const res = await t
        .agent()
        .post(path)
        .type('form')
        .send({ name: 'mallory', password: 'long enough' });
      expect(res.status).toBe(403);
      expect(res.text).toContain('Reload the page');
    },
  );

  it('changes nothing when it refuses: no account, no sign-out', async () => {
    await t.agent().post('/register').type('form').send({ name: 'ghost', password: 'long enough' });
    expect((await register(t.agent(), 'ghost')).status).toBe(303);

    const browser = t.agent();
    await signIn(browser, 'alice');
    expect((await browser.post('/logout').type('form').send({ _csrf: 'forged' })).status).toBe(403);
    expect((await browser.get('/api/me')).status).toBe(200);
  });

  it("rejects a token that belongs to another visitor's cookie", async () => {
    const victim = t.agent();
    const attacker = t.agent();
    await victim.get('/login');
    const attackerToken = csrfToken((await attacker.get('/login')).text);
    const res = await victim
      .post('/login')
      .type('form')
      .send({ name: 'alice', password: 'correct horse', _csrf: attackerToken });
    expect(res.status).toBe(403);
  });

  it('rotates the token at sign-in: a token from before no longer works', async () => {
    const browser = t.agent();
    const before = csrfToken((await browser.get('/login')).text);
    const signedIn = await signIn(browser, 'alice');
    expect(setCookie(signedIn, 'csrf')).toMatch(/Expires=Thu, 01 Jan 1970/);
    const res = await browser.post('/logout').type('form').send({ _csrf: before });
    expect(res.status).toBe(403);
    const after = csrfToken((await browser.get('/')).text);
    expect(after).not.toBe(before);
    expect((await browser.post('/logout').type('form').send({ _csrf: after })).status).toBe(303);
  });

  it("rejects a signed-in user's token replayed with another user's session", async () => {
    const a = t.agent();
    const b = t.agent();
    await signIn(a, 'alice');
    await register(b, 'bert');
    const tokenOfA = csrfToken((await a.get('/')).text);
    expect((await b.post('/logout').type('form').send({ _csrf: tokenOfA })).status).toBe(403);
  });

  it('keeps one token per signed-in session, masked anew on each page, with no CSRF cookie', async () => {
    const browser = t.agent();
    await signIn(browser, 'alice');
    const first = await browser.get('/');
    const second = await browser.get('/sessions');
    expect(setCookie(first, 'csrf')).toBeUndefined();
    const [older, newer] = [csrfToken(first.text)!, csrfToken(second.text)!];
    expect(older).not.toBe(newer);
    const tampered = `${older.slice(0, -2)}${older.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(
      (await browser.post('/cart/items').type('form').send({ _csrf: tampered, item: 'x' })).status,
    ).toBe(403);
    expect(
      (await browser.post('/preferences').type('form').send({ _csrf: older, theme: 'dark' }))
        .status,
    ).toBe(303);
    expect((await browser.post('/logout').type('form').send({ _csrf: newer })).status).toBe(303);
  });

  it("refuses an anonymous visitor's token once the idle timeout has passed since its cookie was issued", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const browser = t.agent();
    const stale = csrfToken((await browser.get('/login')).text);
    vi.advanceTimersByTime(t.config.idleTimeout * 1000);

    const refused = await browser
      .post('/preferences')
      .type('form')
      .send({ theme: 'dark', _csrf: stale });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Reload the page');
    const reloaded = await browser.get('/login');
    const res = await browser
      .post('/preferences')
      .type('form')
      .send({ theme: 'dark', _csrf: csrfToken(reloaded.text) });
    expect(res.status).toBe(303);
  });

  it('accepts the token in an X-CSRF-Token header for scripts', async () => {
    const browser = t.agent();
    await signIn(browser, 'alice');
    const token = csrfToken((await browser.get('/')).text);
    expect((await browser.post('/logout').set('X-CSRF-Token', token)).status).toBe(303);
  });
});

describe('the session cookie', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await register(t.agent(), 'alice');
  });
  afterAll(() => t.close());

  it('is a browser-session cookie without "remember": HttpOnly, SameSite=Lax, Path=/, no expiry, not Secure on http', async () => {
    const cookie = setCookie(await signIn(t.agent(), 'alice'), 'sid')!;
    expect(cookie).toMatch(/; Path=\/;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toMatch(/Expires|Max-Age|Secure/i);
  });

  it('persists for the remember lifetime with "remember"', async () => {
    const cookie = setCookie(
      await signIn(t.agent(), 'alice', 'correct horse', { remember: '1' }),
      'sid',
    )!;
    const expires = Date.parse(/Expires=([^;]+)/.exec(cookie)![1]);
    const days = (expires - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect(Number(/Max-Age=(\d+)/.exec(cookie)![1])).toBeGreaterThan(2_591_000);
  });

  it.each([
    ['garbage', 'sid=garbage'],
    ['a bad signature', 'sid=s%3Aabcdef.bad-signature'],
    ['broken percent-encoding', 'sid=%E0%A4%A'],
    ['an empty value', 'sid='],
  ])('treats a cookie with %s as signed out, never a 500', async (_label, cookie) => {
    const page = await t.agent().get('/').set('Cookie', cookie);
    expect(page.status).toBe(303);
    const api = await t.agent().get('/api/me').set('Cookie', cookie);
    expect(api.status).toBe(401);
  });

  it('marks pages that depend on the session as uncacheable and varying by cookie', async () => {
    const browser = t.agent();
    await signIn(browser, 'alice');
    for (const res of [
      await browser.get('/'),
      await browser.get('/login'),
      await browser.get('/api/me'),
    ]) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.vary).toMatch(/Cookie/);
    }
  });

  it('sends security headers and does not name the framework', async () => {
    const res = await t.agent().get('/login');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("form-action 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });
});

describe('behind a TLS-terminating proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ TRUST_PROXY: '1' });
    await register(t.agent(), 'alice');
  });
  afterAll(() => t.close());

  it('marks cookies Secure on HTTPS requests and only then; the CSRF cookie is __Host-', async () => {
    const plain = await signIn(t.agent(), 'alice', 'correct horse');
    expect(setCookie(plain, 'sid')).not.toContain('Secure');
    const browser = t.agent();
    const form = await browser.get('/login').set('X-Forwarded-Proto', 'https');
    const csrf = setCookie(form, '__Host-csrf')!;
    expect(csrf).toContain('Secure');
    expect(csrf).toMatch(/; Path=\/;/);
    expect(csrf).not.toMatch(/Domain=/i);
    expect(setCookie(form, 'csrf')).toBeUndefined();
    // The agent's cookie jar keeps Secure cookies off plain http, so send it as a browser on https would.
    const res = await browser
      .post('/login')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', csrf.split(';')[0])
      .type('form')
      .send({ name: 'alice', password: 'correct horse', _csrf: csrfToken(form.text) });
    expect(res.status).toBe(303);
    expect(setCookie(res, 'sid')).toContain('Secure');
  });

  it('ignores X-Forwarded-Proto when no proxy is trusted', async () => {
    const direct = await createTestApp();
    try {
      await register(direct.agent(), 'zed');
      const res = await signIn(direct.agent(), 'zed');
      const spoofed = await direct.agent().get('/login').set('X-Forwarded-Proto', 'https');
      expect(setCookie(res, 'sid')).not.toContain('Secure');
      expect(setCookie(spoofed, 'csrf')).not.toContain('Secure');
      expect(setCookie(spoofed, '__Host-csrf')).toBeUndefined();
    } finally {
      await direct.close();
    }
  });
});

describe('secret rotation', () => {
  it('keeps sessions signed with an older secret valid after a new one is added in front', async () => {
    const dataDir = tempDataDir();
    const before = await createTestApp(
      { SESSION_SECRET: 'old-secret', DATA_DIR: dataDir },
      dataDir,
    );
    await register(before.agent(), 'alice');
    const cookie = setCookie(await signIn(before.agent(), 'alice'), 'sid')!.split(';')[0];
    await before.close();

    const after = await createTestApp(
      { SESSION_SECRET: 'new-secret,old-secret', DATA_DIR: dataDir },
      dataDir,
    );
    try {
      expect((await after.agent().get('/api/me').set('Cookie', cookie)).body).toEqual({
        name: 'alice',
      });
    } finally {
      await after.close();
    }
    const retired = await createTestApp(
      { SESSION_SECRET: 'new-secret', DATA_DIR: dataDir },
      dataDir,
    );
    try {
      expect((await retired.agent().get('/api/me').set('Cookie', cookie)).status).toBe(401);
    } finally {
      await retired.close();
    }
  });
});
