import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VISITOR_COOKIE } from 'nest-session-auth';
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

  it('is chosen by an anonymous visitor 300 times: kept in a signed cookie, never a session row', async () => {
    const browser = t.agent();
    const before = await t.sessionCount();
    const token = csrfToken((await browser.get('/login')).text);
    let last: request.Response | undefined;
    for (let i = 0; i < 300; i++) {
      last = await browser
        .post('/preferences')
        .type('form')
        .send({ theme: i % 2 ? 'dark' : 'light', _csrf: token });
      expect(last.status).toBe(303);
    }
    expect(await t.sessionCount()).toBe(before);
    expect(setCookie(last!, 'sid')).toBeUndefined();
    const cookie = setCookie(last!, VISITOR_COOKIE)!;
    expect(cookie).toMatch(/; Path=\/;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(Number(/Max-Age=(\d+)/.exec(cookie)?.[1])).toBe(t.config.rememberMaxAge);

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

  it.each([
    [
      'the signature of another value',
      (dark: string, light: string) =>
        dark.replace(/\.[^.]+$/, light.slice(light.lastIndexOf('.'))),
    ],
    [
      'a broken signature',
      (dark: string) => `${dark.slice(0, -2)}${dark.endsWith('AA') ? 'AB' : 'AA'}`,
    ],
    ['no signature', (dark: string) => dark.split('.')[0]],
    ['garbage', () => `${VISITOR_COOKIE}=garbage`],
    ['broken percent-encoding', () => `${VISITOR_COOKIE}=%E0%A4%A`],
  ])('ignores a visitor cookie with %s', async (_label, tamper) => {
    const dark = cookiePair(await chooseTheme(t.agent(), 'dark'), VISITOR_COOKIE)!;
    const light = cookiePair(await chooseTheme(t.agent(), 'light'), VISITOR_COOKIE)!;
    const page = await t.agent().get('/login').set('Cookie', tamper(dark, light));
    expect(page.status).toBe(200);
    expect(themeOf(page.text)).toBe('light');
    expect(themeOf((await t.agent().get('/login').set('Cookie', dark)).text)).toBe('dark');
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

  it('moves into the session at sign-in: the visitor cookie is cleared, every page keeps it', async () => {
    const browser = t.agent();
    await chooseTheme(browser, 'dark');
    const before = await t.sessionCount();
    const signedIn = await signIn(browser, 'tess');
    expect(signedIn.status).toBe(303);
    expect(setCookie(signedIn, VISITOR_COOKIE)).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(await t.sessionCount()).toBe(before + 1);

    for (const path of ['/', '/cart', '/logout', '/nowhere']) {
      const page = await browser.get(path);
      expect({ path, status: page.status, theme: themeOf(page.text) }).toMatchObject({
        path,
        status: path === '/nowhere' ? 404 : 200,
        theme: 'dark',
      });
    }
    const sessionAlone = await t.agent().get('/').set('Cookie', cookiePair(signedIn)!);
    expect(themeOf(sessionAlone.text)).toBe('dark');
  });

  it('goes back into the cookie at sign-out, leaving no row; the signed-in id is dead', async () => {
    const browser = t.agent();
    const before = await t.sessionCount();
    const signedIn = await signIn(browser, 'tess');
    const oldCookie = cookiePair(signedIn)!;
    const chosen = await chooseTheme(browser, 'dark', '/');
    expect(setCookie(chosen, VISITOR_COOKIE)).toBeUndefined();

    const home = await browser.get('/');
    const out = await browser
      .post('/logout')
      .type('form')
      .send({ _csrf: csrfToken(home.text) });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(setCookie(out, 'sid')).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(setCookie(out, VISITOR_COOKIE)).toBeDefined();
    expect(await t.sessionCount()).toBe(before);

    expect(themeOf((await browser.get('/login')).text)).toBe('dark');
    expect((await browser.get('/api/me')).status).toBe(401);
    expect((await t.agent().get('/api/me').set('Cookie', oldCookie)).status).toBe(401);
    expect(themeOf((await t.agent().get('/login').set('Cookie', oldCookie)).text)).toBe('light');
  });

  it('changes back to light and stays light', async () => {
    const browser = t.agent();
    await chooseTheme(browser, 'dark');
    await chooseTheme(browser, 'light');
    expect(themeOf((await browser.get('/login')).text)).toBe('light');
  });

  it.each([['blue'], [''], ['DARK']])('answers 400 to theme=%j and sets nothing', async (theme) => {
    const before = await t.sessionCount();
    const res = await chooseTheme(t.agent(), theme);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Choose the light or the dark theme.');
    expect(setCookie(res, VISITOR_COOKIE)).toBeUndefined();
    expect(await t.sessionCount()).toBe(before);
  });

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
