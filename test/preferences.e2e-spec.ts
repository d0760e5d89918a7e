import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './utils/create-test-app.js';
import { csrfToken, register, setCookie, signIn, submitForm, cookiePair } from './utils/forms.js';

const themeOf = (html: string) => /<html[^>]* data-theme="([^"]*)"/.exec(html)?.[1];

const chooseTheme = (browser: request.Agent, theme: string, page = '/login', extra = {}) =>
  submitForm(browser, page, '/preferences', { theme, ...extra });

describe('the theme', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await register(t.agent(), 'tess');
  });
  afterAll(() => t.close());

  it('is light with a "Dark theme" switch on every page until chosen', async () => {
    const page = await t.agent().get('/login');
    expect(themeOf(page.text)).toBe('light');
    expect(page.text).toMatch(/action="\/preferences"[\s\S]*name="theme" value="dark"/);
    expect(page.text).toContain('Dark theme</button>');
  });

  it('is chosen by an anonymous visitor: that creates a session, looking did not', async () => {
    const browser = t.agent();
    const before = await t.sessionCount();
    await browser.get('/login');
    await browser.get('/register');
    expect(await t.sessionCount()).toBe(before);

    const res = await chooseTheme(browser, 'dark');
    expect(res.status).toBe(303);
    expect(cookiePair(res)).toBeDefined();
    expect(await t.sessionCount()).toBe(before + 1);

    for (const path of ['/login', '/register', '/logout', '/nowhere']) {
      const page = await browser.get(path);
      const toggle = /(\w+) theme<\/button>/.exec(page.text)?.[1];
      expect({ path, theme: themeOf(page.text), toggle }).toEqual({
        path,
        theme: 'dark',
        toggle: 'Light',
      });
    }
  });

  it('goes back to the page the switch was on, if it is on this site', async () => {
    const back = await chooseTheme(t.agent(), 'dark', '/register', { next: '/register?x=1' });
    expect(back.headers.location).toBe('/register?x=1');
    const offsite = await chooseTheme(t.agent(), 'dark', '/login', { next: '//evil.example' });
    expect(offsite.headers.location).toBe('/');

    const viaReferer = async (referer: string) => {
      const browser = t.agent();
      const form = await browser.get('/login');
      return browser
        .post('/preferences')
        .set('Host', 'shop.example')
        .set('Referer', referer)
        .type('form')
        .send({ theme: 'light', _csrf: csrfToken(form.text) });
    };
    const referred = await viaReferer('http://shop.example/login?next=%2Fcart');
    expect((await viaReferer('http://evil.example/login')).headers.location).toBe('/');
    expect(referred.headers.location).toBe('/login?next=%2Fcart');
  });

  it('renders the switch with the current page to come back to', async () => {
    const page = await t.agent().get('/login?next=/cart');
    expect(page.text).toContain('name="next" value="/login?next&#x3D;/cart"');
  });

  it('is kept across sign-in, under a new session id, on every page', async () => {
    const browser = t.agent();
    const chosen = await chooseTheme(browser, 'dark');
    const signedIn = await signIn(browser, 'tess');
    expect(signedIn.status).toBe(303);
    expect(cookiePair(signedIn)).toBeDefined();
    expect(cookiePair(signedIn)).not.toBe(cookiePair(chosen));

    for (const path of ['/', '/cart', '/logout', '/nowhere']) {
      const page = await browser.get(path);
      expect({ path, status: page.status, theme: themeOf(page.text) }).toMatchObject({
        path,
        status: path === '/nowhere' ? 404 : 200,
        theme: 'dark',
      });
    }
    const replay = await t.agent().get('/login').set('Cookie', cookiePair(chosen)!);
    expect(themeOf(replay.text)).toBe('light');
  });

  it('is kept after sign-out, under a new session id; the signed-in one is dead', async () => {
    const browser = t.agent();
    const signedIn = await signIn(browser, 'tess');
    const oldCookie = cookiePair(signedIn)!;
    await chooseTheme(browser, 'dark', '/');

    const home = await browser.get('/');
    const out = await browser
      .post('/logout')
      .type('form')
      .send({ _csrf: csrfToken(home.text) });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    const newCookie = cookiePair(out);
    expect(newCookie).toBeDefined();
    expect(newCookie).not.toBe(oldCookie);
    expect(setCookie(out, 'sid')).not.toMatch(/Expires=Thu, 01 Jan 1970/);

    expect(themeOf((await browser.get('/login')).text)).toBe('dark');
    expect((await browser.get('/api/me')).status).toBe(401);
    expect((await t.agent().get('/api/me').set('Cookie', oldCookie)).status).toBe(401);
    const replay = await t.agent().get('/login').set('Cookie', oldCookie);
    expect(themeOf(replay.text)).toBe('light');
  });

  it('changes back to light and stays light', async () => {
    const browser = t.agent();
    await chooseTheme(browser, 'dark');
    await chooseTheme(browser, 'light');
    expect(themeOf((await browser.get('/login')).text)).toBe('light');
  });

  it.each([['blue'], [''], ['DARK']])(
    'answers 400 to theme=%j and creates no session',
    async (theme) => {
      const before = await t.sessionCount();
      const res = await chooseTheme(t.agent(), theme);
      expect(res.status).toBe(400);
      expect(res.text).toContain('Choose the light or the dark theme.');
      expect(await t.sessionCount()).toBe(before);
    },
  );

  it('answers 400 without a theme, as JSON to API callers', async () => {
    const browser = t.agent();
    const form = await browser.get('/login');
    const res = await browser
      .post('/preferences')
      .set('Accept', 'application/json')
      .type('form')
      .send({ _csrf: csrfToken(form.text) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400 });
  });

  it('answers 403 without a CSRF token and changes nothing', async () => {
    const browser = t.agent();
    await browser.get('/login');
    const res = await browser.post('/preferences').type('form').send({ theme: 'dark' });
    expect(res.status).toBe(403);
    expect(themeOf((await browser.get('/login')).text)).toBe('light');
  });
});
