import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SESSION_STORE, type ManagedSessionStore } from 'nest-session-auth';
import { createTestApp, type TestApp } from './utils/create-test-app.js';
import { csrfToken, register, setCookie, signIn } from './utils/forms.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME_ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const SAFARI_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

/** The raw session id inside a signed `sid=s:<id>.<signature>` cookie. */
function sessionId(res: request.Response): string {
  const value = decodeURIComponent(setCookie(res, 'sid')!.split(';')[0].slice('sid='.length));
  return value.slice('s:'.length, value.lastIndexOf('.'));
}

/** The revoke-form actions on a sessions page, in order. */
const revokeActions = (html: string) =>
  [...html.matchAll(/action="(\/sessions\/[^"/]+\/revoke)"/g)].map((match) => match[1]);

const count = (html: string, text: string) => html.split(text).length - 1;

describe('your sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /** A browser with its own user agent, signed in as `name`, and its raw session id. */
  async function signedIn(name: string, userAgent: string, create = false) {
    const browser = t.agent().set('User-Agent', userAgent);
    const res = create ? await register(browser, name) : await signIn(browser, name);
    expect(res.status).toBe(303);
    return { browser, id: sessionId(res) };
  }

  it('lists both browsers of a user in words, marks this one, and never shows a session id', async () => {
    const a = await signedIn('alice', FIREFOX_LINUX, true);
    const b = await signedIn('alice', CHROME_ANDROID);

    const page = await a.browser.get('/sessions');

    expect(page.status).toBe(200);
    expect(page.text).toContain('Firefox on Linux');
    expect(page.text).toContain('Chrome on Android');
    expect(count(page.text, 'This device')).toBe(1);
    expect(page.text.indexOf('This device')).toBeLessThan(page.text.indexOf('Chrome on Android'));
    expect(count(page.text, 'class="session-item"')).toBe(2);
    expect(revokeActions(page.text)).toHaveLength(1);
    expect(page.text).toMatch(
      /<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC<\/time>/,
    );
    for (const id of [a.id, b.id]) {
      expect(id.length).toBeGreaterThan(10);
      expect(page.text).not.toContain(id);
    }
  });

  it('ends another browser at once: it is signed out on its next request', async () => {
    const a = await signedIn('bob', FIREFOX_LINUX, true);
    const b = await signedIn('bob', CHROME_ANDROID);
    const page = await a.browser.get('/sessions');
    const [action] = revokeActions(page.text);

    const res = await a.browser
      .post(action)
      .type('form')
      .send({ _csrf: csrfToken(page.text) });

    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/sessions(\?|$)/);
    const home = await b.browser.get('/');
    expect(home.status).toBe(303);
    expect(home.headers.location).toBe('/login');
    expect((await b.browser.get('/api/me')).status).toBe(401);
    expect((await a.browser.get('/api/me')).body).toEqual({ name: 'bob' });

    const after = await a.browser.get(res.headers.location);
    expect(after.text).toContain('Session ended.');
    expect(after.text).toContain('aria-live="polite"');
    expect(after.text).not.toContain('Chrome on Android');
  });

  it("answers 404 for another user's session, an unknown one, or this one, and ends none", async () => {
    const a = await signedIn('carol', FIREFOX_LINUX, true);
    const b = await signedIn('carol', CHROME_ANDROID);
    const [carolsOther] = revokeActions((await a.browser.get('/sessions')).text);
    const mallory = await signedIn('mallory', SAFARI_MAC, true);
    const page = await mallory.browser.get('/sessions');
    const token = csrfToken(page.text);

    for (const action of [carolsOther, '/sessions/no-such-handle/revoke']) {
      const res = await mallory.browser.post(action).type('form').send({ _csrf: token });
      expect(res.status).toBe(404);
      expect(res.text).toContain('No such session');
    }
    expect((await a.browser.get('/api/me')).body).toEqual({ name: 'carol' });
    expect((await b.browser.get('/api/me')).body).toEqual({ name: 'carol' });

    // This device has no button, and forging one is refused too.
    const bPage = await b.browser.get('/sessions');
    const [toA] = revokeActions(bPage.text);
    const aPage = await a.browser.get('/sessions');
    const [toB] = revokeActions(aPage.text);
    expect(toA).not.toBe(toB);
    const own = await b.browser
      .post(toB)
      .type('form')
      .send({ _csrf: csrfToken(bPage.text) });
    expect(own.status).toBe(404);
    expect((await b.browser.get('/api/me')).body).toEqual({ name: 'carol' });
  });

  it('ends every other session and keeps this one', async () => {
    const a = await signedIn('dave', FIREFOX_LINUX, true);
    const b = await signedIn('dave', CHROME_ANDROID);
    const c = await signedIn('dave', SAFARI_MAC);
    const page = await a.browser.get('/sessions');
    expect(count(page.text, 'class="session-item"')).toBe(3);

    const res = await a.browser
      .post('/sessions/revoke-others')
      .type('form')
      .send({ _csrf: csrfToken(page.text) });

    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/sessions(\?|$)/);
    expect((await b.browser.get('/api/me')).status).toBe(401);
    expect((await c.browser.get('/api/me')).status).toBe(401);
    const after = await a.browser.get('/sessions');
    expect(count(after.text, 'class="session-item"')).toBe(1);
    expect(after.text).toContain('This device');
    expect(revokeActions(after.text)).toHaveLength(0);
  });

  it('refuses to end sessions without a CSRF token (403) and ends none', async () => {
    const a = await signedIn('erin', FIREFOX_LINUX, true);
    const b = await signedIn('erin', CHROME_ANDROID);
    const [action] = revokeActions((await a.browser.get('/sessions')).text);

    expect((await a.browser.post(action).type('form').send({})).status).toBe(403);
    expect((await a.browser.post('/sessions/revoke-others').type('form').send({})).status).toBe(
      403,
    );
    expect((await b.browser.get('/api/me')).body).toEqual({ name: 'erin' });
  });

  it('answers 503, not 500, when the store cannot list or end sessions', async () => {
    const a = await signedIn('frank', FIREFOX_LINUX, true);
    const page = await a.browser.get('/sessions');
    const store = t.app.get<ManagedSessionStore>(SESSION_STORE);
    const failure = new Error('SQLITE_IOERR');
    const listOwned = vi.spyOn(store, 'listOwned').mockRejectedValue(failure);
    const destroyOwned = vi.spyOn(store, 'destroyOwned').mockRejectedValue(failure);
    try {
      expect((await a.browser.get('/sessions')).status).toBe(503);
      const res = await a.browser
        .post('/sessions/revoke-others')
        .type('form')
        .send({ _csrf: csrfToken(page.text) });
      expect(res.status).toBe(503);
    } finally {
      listOwned.mockRestore();
      destroyOwned.mockRestore();
    }
    expect((await a.browser.get('/sessions')).status).toBe(200);
  });

  it('sends a signed-out visitor to sign in', async () => {
    const res = await t.agent().get('/sessions');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fsessions');
    expect((await t.agent().post('/sessions/revoke-others').type('form').send({})).status).toBe(
      403,
    );
  });
});
