import { Controller, Get, Logger } from '@nestjs/common';
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { HashingBusyException, PasswordHasher, Public } from 'nest-session-auth';
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

/**
 * Requests that Express's body parsers or router refuse, each with words of the refusal's own
 * message (which quotes the request) that must not reach the client.
 */
const REFUSED_REQUESTS: {
  story: string;
  send: (agent: request.Agent) => request.Test;
  status: number;
  error: string;
  message: string;
  parserWords: string[];
}[] = [
  {
    story: 'JSON that does not parse',
    send: (agent) =>
      agent.post('/login').set('Content-Type', 'application/json').send('{"name": <b>oops</b>}'),
    status: 400,
    error: 'That request did not make sense',
    message: 'The request was malformed.',
    parserWords: ['oops', 'JSON at position', 'not valid JSON', 'Unexpected token'],
  },
  {
    story: 'a JSON body over 100 kB',
    send: (agent) => agent.post('/login').send({ name: 'x'.repeat(150_000) }),
    status: 413,
    error: 'That was too much data',
    message: 'The form was larger than this site accepts.',
    parserWords: ['request entity too large', 'xxxxxxxx'],
  },
  {
    story: 'a form with more fields than the parser counts',
    send: (agent) =>
      agent
        .post('/login')
        .type('form')
        .send(Array.from({ length: 1001 }, (_, i) => `f${i}=1`).join('&')),
    status: 413,
    error: 'That was too much data',
    message: 'The form was larger than this site accepts.',
    parserWords: ['too many parameters'],
  },
  {
    story: 'a JSON body in an unknown charset',
    send: (agent) =>
      agent.post('/login').set('Content-Type', 'application/json; charset=klingon').send('{}'),
    status: 415,
    error: 'Not accepted',
    message: 'That kind of request body is not accepted.',
    parserWords: ['klingon', 'KLINGON', 'unsupported charset'],
  },
  {
    story: 'a form in an unknown charset',
    send: (agent) =>
      agent
        .post('/login')
        .set('Content-Type', 'application/x-www-form-urlencoded; charset=klingon')
        .send('name=a'),
    status: 415,
    error: 'Not accepted',
    message: 'That kind of request body is not accepted.',
    parserWords: ['klingon', 'KLINGON', 'unsupported charset'],
  },
  {
    story: 'an unknown Content-Encoding',
    send: (agent) =>
      agent
        .post('/login')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'x-klingon')
        .send('{}'),
    status: 415,
    error: 'Not accepted',
    message: 'That kind of request body is not accepted.',
    parserWords: ['klingon', 'content encoding'],
  },
  {
    story: 'a gzip body that is not gzip',
    send: (agent) =>
      agent
        .post('/login')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .send('{"plain": "text"}'),
    status: 400,
    error: 'That request did not make sense',
    message: 'The request was malformed.',
    parserWords: ['incorrect header check', 'plain'],
  },
  {
    story: 'a path parameter that cannot be percent-decoded',
    send: (agent) => agent.post('/sessions/%E0%A4%Aoops/revoke'),
    status: 400,
    error: 'That request did not make sense',
    message: 'The request was malformed.',
    parserWords: ['decode', '%E0', 'oops'],
  },
];

/** One browser's sign-in form: posts these credentials, asking for `accept` in return. */
async function signInForm(t: TestApp, name: string, password: string) {
  const browser = t.agent();
  const form = await browser.get('/login');
  return (accept: string) =>
    browser
      .post('/login')
      .set('Accept', accept)
      .send({ name, password, _csrf: csrfToken(form.text) });
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
    const attempt = await signInForm(t, 'throttled', 'not the password');

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

  it('503 when sign-in is busy (its waiting line is full): Retry-After 1, a page or JSON, and no error logged', async () => {
    const hasher = t.app.get(PasswordHasher);
    vi.spyOn(hasher, 'verify').mockRejectedValue(new HashingBusyException());
    onTestFinished(() => {
      vi.restoreAllMocks();
    });
    const errors = vi.spyOn(Logger.prototype, 'error');
    const attempt = await signInForm(t, 'busy', 'long enough');

    const api = await attempt('application/json');
    expect(api.status).toBe(503);
    expect(api.headers['retry-after']).toBe('1');
    expect(api.body).toMatchObject({ statusCode: 503, message: expect.stringMatching(/busy/) });
    const page = await attempt('text/html');
    expect(page.status).toBe(503);
    expect(page.headers['retry-after']).toBe('1');
    expect(page.text).toContain('Sign-in is busy right now.');
    expect(errors).not.toHaveBeenCalled();
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
      errors: { password: 'Passwords are at least 8 characters.' },
    });
  });

  describe.each(REFUSED_REQUESTS)(
    "$status for $story: fixed words, never the parser's",
    ({ send, status, error, message, parserWords }) => {
      it('a page for people', async () => {
        const page = await send(t.agent()).set('Accept', 'text/html');
        expect(page.status).toBe(status);
        expect(page.type).toBe('text/html');
        expect(page.text).toContain(message);
        for (const words of parserWords) expect(page.text).not.toContain(words);
      });

      it('JSON for programs', async () => {
        const api = await send(t.agent()).set('Accept', 'application/json');
        expect(api.status).toBe(status);
        expect(api.body).toEqual({ statusCode: status, error, message });
      });
    },
  );
});
