import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './utils/create-test-app.js';
import { csrfToken, register, setCookie, signIn, submitForm } from './utils/forms.js';

describe('the sign-in journey', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('sends a signed-out visitor from / to /login', async () => {
    const res = await t.agent().get('/');
    expect([302, 303]).toContain(res.status);
    expect(res.headers.location).toBe('/login');
  });

  it('registers, is greeted by name, signs out, and the old cookie no longer works', async () => {
    const browser = t.agent();
    const created = await register(browser, 'alice');
    expect(created.status).toBe(303);
    expect(created.headers.location).toBe('/');

    const home = await browser.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Hello, alice');
    const oldCookie = setCookie(created, 'sid')!.split(';')[0];

    const out = await browser
      .post('/logout')
      .type('form')
      .send({ _csrf: csrfToken(home.text) });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(setCookie(out, 'sid')).toMatch(/Expires=Thu, 01 Jan 1970/);

    const replay = await t.agent().get('/api/me').set('Cookie', oldCookie);
    expect(replay.status).toBe(401);
  });

  it('signs in with a new session id each time (no fixation), none before sign-in', async () => {
    await register(t.agent(), 'bob');
    const browser = t.agent();
    const planted = await browser.get('/login');
    const first = await signIn(browser, 'bob');
    const firstId = setCookie(first, 'sid');
    const second = await signIn(browser, 'bob');
    expect(firstId).toBeDefined();
    expect(setCookie(second, 'sid')).not.toBe(firstId);
    expect(setCookie(planted, 'sid')).toBeUndefined();
    expect((await browser.get('/api/me')).body).toEqual({ name: 'bob' });
  });

  it('does not keep a session id chosen by an attacker', async () => {
    const browser = t.agent();
    const fixed = 'sid=s%3Aattacker-chosen-id.invalidsignature';
    const form = await browser.get('/login').set('Cookie', fixed);
    const res = await browser
      .post('/login')
      .set('Cookie', `${fixed}; ${setCookie(form, 'csrf')!.split(';')[0]}`)
      .type('form')
      .send({ name: 'bob', password: 'correct horse', _csrf: csrfToken(form.text) });
    expect(res.status).toBe(303);
    expect(setCookie(res, 'sid')).not.toContain('attacker-chosen-id');
  });

  it('GET /logout only asks; the session survives it', async () => {
    const browser = t.agent();
    await signIn(browser, 'bob');
    const page = await browser.get('/logout');
    expect(page.status).toBe(200);
    expect(page.text).toContain('action="/logout"');
    expect((await browser.get('/api/me')).status).toBe(200);
  });

  it('answers 401 with the form for a wrong password or unknown name, without saying which', async () => {
    const wrong = await signIn(t.agent(), 'bob', 'not the password');
    const unknown = await signIn(t.agent(), 'nobody-here', 'not the password');
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.text).toContain('Wrong name or password.');
      expect(res.text).toContain('name="password"');
    }
  });

  it('answers 409 with the form when the name is taken, ignoring case', async () => {
    const res = await register(t.agent(), 'ALICE');
    expect(res.status).toBe(409);
    expect(res.text).toContain('That name is taken');
    expect(res.text).toContain('value="ALICE"');
  });

  it('throttles sign-in after five failures for one name and address (429 with Retry-After)', async () => {
    await register(t.agent(), 'carol');
    for (let i = 0; i < 5; i++)
      expect((await signIn(t.agent(), 'carol', 'bad password')).status).toBe(401);
    const blocked = await signIn(t.agent(), 'carol');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.text).toContain('Too many failed attempts');
  });

  it('escapes the name wherever it is shown', async () => {
    const name = '<script>alert("x")</script>';
    const browser = t.agent();
    await register(browser, name);
    const home = await browser.get('/');
    expect(home.text).not.toContain('<script>alert');
    expect(home.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('creates no session row for anonymous visitors who change nothing', async () => {
    const before = await t.sessionCount();
    for (const path of ['/', '/login', '/register', '/logout', '/health', '/nowhere'])
      await t.agent().get(path);
    await signIn(t.agent(), 'bob', 'not the password');
    expect(await t.sessionCount()).toBe(before);
  });
});

describe('where sign-in leads', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await register(t.agent(), 'dave');
  });
  afterAll(() => t.close());

  it('sends a guarded page to /login?next= and returns there after sign-in', async () => {
    const browser = t.agent();
    const denied = await browser.get('/?tab=2');
    expect(denied.status).toBe(303);
    expect(denied.headers.location).toBe('/login?next=%2F%3Ftab%3D2');
    const page = await browser.get(denied.headers.location);
    expect(page.text).toContain('name="next" value="/?tab&#x3D;2"');
    const res = await submitForm(browser, denied.headers.location, '/login', {
      name: 'dave',
      password: 'correct horse',
      next: '/?tab=2',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?tab=2');
  });

  it('answers API callers 401 JSON, never a redirect, even when they accept HTML', async () => {
    const res = await t.agent().get('/api/me').set('Accept', 'text/html');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401 });
  });

  it.each([
    '//evil.example',
    '/\\evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    ' /x',
    '/x\r\nLocation: //evil',
  ])('ignores next=%j and goes to /', async (next) => {
    const res = await signIn(t.agent(), 'dave', 'correct horse', { next });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });
});

describe('input rules', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it.each([
    ['an empty name', { name: '   ', password: 'long enough' }, 'Enter a name.'],
    [
      'a 65-character name',
      { name: 'n'.repeat(65), password: 'long enough' },
      'at most 64 characters',
    ],
    ['a control character', { name: 'a\u0007b', password: 'long enough' }, 'control characters'],
    ['a short password', { name: 'erin', password: 'short' }, 'at least 8 characters'],
    [
      'a 129-character password',
      { name: 'erin', password: 'p'.repeat(129) },
      'at most 128 characters',
    ],
    ['no fields at all', {}, 'Enter a name.'],
  ])('re-renders the register form with 400 for %s', async (_label, fields, message) => {
    const res = await submitForm(
      t.agent(),
      '/register',
      '/register',
      fields as Record<string, string>,
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
    expect(res.text).toContain('aria-invalid="true"');
  });

  it('accepts 64 characters after trimming and 8..128 character passwords', async () => {
    expect((await register(t.agent(), `  ${'n'.repeat(64)}  `, 'p'.repeat(8))).status).toBe(303);
    expect((await register(t.agent(), 'frank', 'p'.repeat(128))).status).toBe(303);
  });

  it('answers 400 with the login form for malformed input, and for repeated fields', async () => {
    const browser = t.agent();
    const form = await browser.get('/login');
    const res = await browser
      .post('/login')
      .type('form')
      .send(`name=a&name=b&password=xxxxxxxx&_csrf=${encodeURIComponent(csrfToken(form.text))}`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('action="/login"');
  });

  it('answers 413 for a body over 100 kB', async () => {
    const res = await t
      .agent()
      .post('/login')
      .type('form')
      .send(`name=${'x'.repeat(120_000)}`);
    expect(res.status).toBe(413);
    expect(res.text).not.toMatch(/at .*\.js:\d+/);
  });

  it('answers 400 (not 500) for a malformed JSON body on the API', async () => {
    const res = await t
      .agent()
      .post('/login')
      .set('Content-Type', 'application/json')
      .send('{"name":');
    expect(res.status).toBe(400);
  });
});
