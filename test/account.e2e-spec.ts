import type request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UserStore } from 'nest-session-auth';
import { createTestApp, type TestApp } from './utils/create-test-app.js';
import { cookiePair, register, signIn, submitForm } from './utils/forms.js';

const changePassword = (browser: request.Agent, current: string, next: string) =>
  submitForm(browser, '/account', '/account/password', {
    current_password: current,
    new_password: next,
  });

describe('changing the password', () => {
  let t: TestApp;
  let carols = 0;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('shows the form to a signed-in user, and sends others to sign in', async () => {
    const browser = t.agent();
    await register(browser, 'alice');

    const page = await browser.get('/account');

    expect(page.status).toBe(200);
    expect(page.text).toContain('action="/account/password"');
    expect(page.text).toMatch(/name="current_password"[^>]*autocomplete="current-password"/);
    expect(page.text).toMatch(/name="new_password"[^>]*autocomplete="new-password"/);
    const denied = await t.agent().get('/account');
    expect(denied.status).toBe(303);
    expect(denied.headers.location).toBe('/login?next=%2Faccount');
  });

  it('refuses a wrong current password with 401 and the form, and changes nothing', async () => {
    const browser = t.agent();
    await register(browser, 'bob');

    const res = await changePassword(browser, 'not my password', 'battery staple');

    expect(res.status).toBe(401);
    expect(res.text).toContain('Your current password is wrong.');
    expect(res.text).toContain('name="current_password"');
    expect((await browser.get('/api/me')).body).toEqual({ name: 'bob' });
    expect((await signIn(t.agent(), 'bob')).status).toBe(303);
  });

  it.each([
    ['a short new password', { current_password: 'correct horse', new_password: 'short' }],
    ['a 129-character one', { current_password: 'correct horse', new_password: 'p'.repeat(129) }],
    ['no current password', { new_password: 'battery staple' }],
  ])('answers 400 with the form and the field marked for %s', async (_label, fields) => {
    const browser = t.agent();
    await register(browser, `carol-${++carols}`);

    const res = await submitForm(browser, '/account', '/account/password', fields);

    expect(res.status).toBe(400);
    expect(res.text).toContain('action="/account/password"');
    expect(res.text).toContain('aria-invalid="true"');
  });

  it('changes it: other browsers are signed out at once, this one stays, only the new password works', async () => {
    const here = t.agent();
    const elsewhere = t.agent();
    await register(here, 'dave');
    await signIn(elsewhere, 'dave');

    const res = await changePassword(here, 'correct horse', 'battery staple');

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?changed=1');
    expect((await elsewhere.get('/api/me')).status).toBe(401);
    expect((await here.get('/api/me')).body).toEqual({ name: 'dave' });
    const page = await here.get(res.headers.location);
    expect(page.text).toContain('Password changed. You were signed out everywhere else.');
    expect((await signIn(t.agent(), 'dave', 'correct horse')).status).toBe(401);
    expect((await signIn(t.agent(), 'dave', 'battery staple')).status).toBe(303);
  });

  it('moves this session to a new id with all its data: the old id is signed out', async () => {
    const here = t.agent();
    const oldCookie = cookiePair(await register(here, 'heidi'))!;
    await submitForm(here, '/', '/preferences', { theme: 'dark' });

    const res = await changePassword(here, 'correct horse', 'battery staple');

    expect(res.status).toBe(303);
    const newCookie = cookiePair(res)!;
    expect(newCookie).toBeDefined();
    expect(newCookie).not.toBe(oldCookie);
    expect((await t.agent().get('/api/me').set('Cookie', oldCookie)).status).toBe(401);
    expect((await t.agent().get('/api/me').set('Cookie', newCookie)).body).toEqual({
      name: 'heidi',
    });
    const page = await here.get('/account');
    expect(/<html[^>]* data-theme="([^"]*)"/.exec(page.text)?.[1]).toBe('dark');
    expect((await here.get('/sessions')).text).toContain('This device');
  });

  it('refuses the 6th wrong current password with 429, even a right one', async () => {
    const browser = t.agent();
    await register(browser, 'erin');
    for (let i = 0; i < 5; i++)
      expect((await changePassword(browser, 'wrong password', 'battery staple')).status).toBe(401);

    const blocked = await changePassword(browser, 'correct horse', 'battery staple');

    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.text).toContain('Too many failed attempts');
  });

  it('refuses a change without a CSRF token (403)', async () => {
    const browser = t.agent();
    await register(browser, 'frank');

    const res = await browser
      .post('/account/password')
      .type('form')
      .send({ current_password: 'correct horse', new_password: 'battery staple' });

    expect(res.status).toBe(403);
    expect((await signIn(t.agent(), 'frank')).status).toBe(303);
  });
});

describe('changing the password while the accounts database fails', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => t.close());

  it('answers 503, keeps the old password and the other sessions, and recovers', async () => {
    const here = t.agent();
    const elsewhere = t.agent();
    await register(here, 'grace');
    await signIn(elsewhere, 'grace');
    vi.spyOn(t.app.get(UserStore), 'updatePasswordHash').mockRejectedValue(
      new Error('SQLITE_READONLY'),
    );

    const res = await changePassword(here, 'correct horse', 'battery staple');

    expect(res.status).toBe(503);
    expect(res.text).toContain('Accounts are unavailable');
    expect((await elsewhere.get('/api/me')).body).toEqual({ name: 'grace' });
    vi.restoreAllMocks();
    expect((await signIn(t.agent(), 'grace', 'correct horse')).status).toBe(303);
    expect((await changePassword(here, 'correct horse', 'battery staple')).status).toBe(303);
  });
});
