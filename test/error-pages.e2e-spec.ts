import { Controller, Get } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Public } from '../src/auth/index.js';
import { createTestApp, type TestApp } from './utils/create-test-app.js';
import { csrfToken, register } from './utils/forms.js';

const STACK_FRAME = /at .+[(/].+:\d+:\d+/;
const INTERNALS = 'SQLITE_CORRUPT in /srv/app/dist/secret-internals.js';

/** A route that fails the way a bug would. */
@Controller()
class BrokenController {
  @Public()
  @Get('broken')
  broken(): never {
    throw new TypeError(INTERNALS);
  }

  @Public()
  @Get('api/broken')
  brokenApi(): never {
    throw new TypeError(INTERNALS);
  }
}

describe('when something goes wrong, people get a friendly page and programs get JSON', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({}, undefined, [BrokenController]);
  });
  afterAll(() => t.close());

  it('500: a page that says sorry, never the error or a stack trace', async () => {
    const page = await t.agent().get('/broken');
    expect(page.status).toBe(500);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('Something went wrong');
    expect(page.text).toContain('Please try again in a moment.');
    expect(page.text).not.toContain('SQLITE_CORRUPT');
    expect(page.text).not.toMatch(STACK_FRAME);

    const api = await t.agent().get('/api/broken');
    expect(api.status).toBe(500);
    expect(api.body).toEqual({
      statusCode: 500,
      error: 'Something went wrong',
      message: 'Something went wrong on our side. Please try again in a moment.',
    });
  });

  it('404: a page in words rather than "Cannot GET /…"', async () => {
    const page = await t.agent().get('/no/such/page?q=%3Cscript%3E');
    expect(page.status).toBe(404);
    expect(page.text).toContain('There is no page at this address.');
    expect(page.text).not.toContain('Cannot GET');
    expect(page.text).not.toContain('<script');
  });

  it('403: a page that explains an expired or foreign form; JSON for API callers', async () => {
    const page = await t.agent().post('/preferences').type('form').send({ theme: 'dark' });
    expect(page.status).toBe(403);
    expect(page.text).toContain('Not allowed');
    expect(page.text).toContain('Reload the page and try again.');
    expect(page.text).not.toMatch(STACK_FRAME);

    const api = await t
      .agent()
      .post('/preferences')
      .set('Accept', 'application/json')
      .send({ theme: 'dark' });
    expect(api.status).toBe(403);
    expect(api.body).toEqual({
      statusCode: 403,
      error: 'Not allowed',
      message: expect.stringContaining('did not come from this site'),
    });
  });

  it('429: the sign-in form with a message for people, JSON with Retry-After for programs', async () => {
    await register(t.agent(), 'throttled');
    const browser = t.agent();
    const form = await browser.get('/login');
    const attempt = (accept: string) =>
      browser
        .post('/login')
        .set('Accept', accept)
        .send({ name: 'throttled', password: 'not the password', _csrf: csrfToken(form.text) });

    const first = await attempt('application/json');
    expect(first.status).toBe(401);
    expect(first.body).toEqual({
      statusCode: 401,
      error: 'Not signed in',
      message: 'Wrong name or password.',
    });
    for (let i = 0; i < 4; i++) await attempt('application/json');

    const api = await attempt('application/json');
    expect(api.status).toBe(429);
    expect(Number(api.headers['retry-after'])).toBeGreaterThan(0);
    expect(api.body).toEqual({
      statusCode: 429,
      error: 'Slow down',
      message: 'Too many failed attempts for this name. Wait a few minutes and try again.',
    });

    const page = await attempt('text/html');
    expect(page.status).toBe(429);
    expect(page.text).toContain('<form method="post" action="/login">');
    expect(page.text).toContain('role="alert"');
    // Read first by screen readers on arrival: the page reports a problem.
    expect(page.text).toContain('<title>Error: Sign in · nest-session-auth</title>');
    expect(page.text).toContain('Wait a few minutes and try again.');
  });

  it('400: JSON naming the field for programs that send a malformed sign-in', async () => {
    const browser = t.agent();
    const form = await browser.get('/register');
    const res = await browser
      .post('/register')
      .set('Accept', 'application/json')
      .send({ name: 'shortpw', password: 'short', _csrf: csrfToken(form.text) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'That request did not make sense',
      message: 'Passwords are at least 8 characters.',
    });
  });
});
