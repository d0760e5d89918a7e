import type { CookieOptions, Request, Response } from 'express';
import { describe, expect, it, vi } from 'vitest';
import { AnonymousCsrf } from './anonymous-csrf.js';
import { resolveSessionOptions } from './session-options.js';

const IDLE_MS = 7_200_000;
const T0 = Date.UTC(2030, 0, 1);

function setup(
  secret: string | string[] = 'a-secret-long-enough-for-tests',
  secureCookies = false,
) {
  return new AnonymousCsrf(
    resolveSessionOptions({ secret, idleTimeout: IDLE_MS / 1000, secureCookies }),
  );
}

/** A browser: sends the cookies earlier responses set, like a cookie jar. */
function browser({ secure = false } = {}) {
  const cookies: Record<string, string> = {};
  const set = vi.fn<(name: string, value: string, options: CookieOptions) => void>(
    (name, value) => void (cookies[name] = value),
  );
  const cleared = vi.fn<(name: string) => void>((name) => void delete cookies[name]);
  const req = { cookies, secure } as unknown as Request;
  const res = { cookie: set, clearCookie: cleared } as unknown as Response;
  return { req, res, cookies, set, cleared };
}

describe(AnonymousCsrf.name, () => {
  it('issues a signed cookie on the first page and accepts its token until the idle timeout', () => {
    const sut = setup();
    const { req, res, set, cookies } = browser();

    const token = sut.tokenForPage(req, res, T0);

    expect(set).toHaveBeenCalledWith(
      'csrf',
      expect.stringMatching(new RegExp(`^${T0}\\.${token}\\.`)),
      expect.objectContaining({ httpOnly: true, sameSite: 'lax', path: '/', secure: false }),
    );
    expect(cookies.csrf).toBeDefined();
    expect(sut.verifiedToken(req, T0 + IDLE_MS - 1)).toBe(token);
    expect(sut.verifiedToken(req, T0 + IDLE_MS)).toBeUndefined();
  });

  it('reuses a cookie younger than half the idle timeout without setting it again', () => {
    const sut = setup();
    const { req, res, set } = browser();
    const token = sut.tokenForPage(req, res, T0);

    expect(sut.tokenForPage(req, res, T0 + IDLE_MS / 2)).toBe(token);
    expect(set).toHaveBeenCalledTimes(1);
  });

  it('re-issues an older cookie with the same token, so forms in other tabs keep working', () => {
    const sut = setup();
    const { req, res, set } = browser();
    const token = sut.tokenForPage(req, res, T0);

    const renderedLate = sut.tokenForPage(req, res, T0 + IDLE_MS / 2 + 1);

    expect(renderedLate).toBe(token);
    expect(set).toHaveBeenCalledTimes(2);
    expect(sut.verifiedToken(req, T0 + IDLE_MS * 1.5)).toBe(token);
    expect(sut.verifiedToken(req, T0 + IDLE_MS * 1.5 + 1)).toBeUndefined();
  });

  it('replaces an expired cookie with a new token', () => {
    const sut = setup();
    const { req, res } = browser();
    const token = sut.tokenForPage(req, res, T0);

    const fresh = sut.tokenForPage(req, res, T0 + IDLE_MS);

    expect(fresh).not.toBe(token);
    expect(sut.verifiedToken(req, T0 + IDLE_MS)).toBe(fresh);
  });

  it.each([
    ['a later issue time', (cookie: string) => cookie.replace(/^\d+/, String(T0 + IDLE_MS))],
    ['another token', (cookie: string) => cookie.replace(/\.[\w-]+\./, '.AAAA.')],
    ['no signature', (cookie: string) => cookie.slice(0, cookie.lastIndexOf('.'))],
    ['garbage', () => 'garbage'],
  ])('refuses a cookie with %s', (_label, forge) => {
    const sut = setup();
    const { req, res, cookies } = browser();
    sut.tokenForPage(req, res, T0);
    cookies.csrf = forge(cookies.csrf);
    expect(sut.verifiedToken(req, T0 + 1)).toBeUndefined();
  });

  it('accepts a cookie signed with an older secret, and signs new ones with the first', () => {
    const { req, res, cookies } = browser();
    const token = setup('old-secret').tokenForPage(req, res, T0);
    const rotated = setup(['new-secret', 'old-secret']);

    expect(rotated.verifiedToken(req, T0 + 1)).toBe(token);
    expect(setup('new-secret').verifiedToken(req, T0 + 1)).toBeUndefined();
    delete cookies.csrf;
    rotated.tokenForPage(req, res, T0);
    expect(setup('new-secret').verifiedToken(req, T0 + 1)).toEqual(expect.any(String));
  });

  it('names the cookie __Host-csrf and marks it Secure on HTTPS, and reads only that one', () => {
    const sut = setup(undefined, true);
    const https = browser({ secure: true });
    const token = sut.tokenForPage(https.req, https.res, T0);

    expect(https.set).toHaveBeenCalledWith(
      '__Host-csrf',
      expect.any(String),
      expect.objectContaining({ secure: true, path: '/' }),
    );
    expect(https.set.mock.calls[0][2]).not.toHaveProperty('domain');
    expect(sut.verifiedToken(https.req, T0 + 1)).toBe(token);
    const plain = {
      cookies: { csrf: https.cookies['__Host-csrf'] },
      secure: true,
    } as unknown as Request;
    expect(sut.verifiedToken(plain, T0 + 1)).toBeUndefined();
  });

  it('forgets the cookie when the request sent one', () => {
    const sut = setup();
    const { req, res, cleared } = browser();
    sut.forget(req, res);
    expect(cleared).not.toHaveBeenCalled();
    sut.tokenForPage(req, res, T0);
    sut.forget(req, res);
    expect(cleared).toHaveBeenCalledWith('csrf', expect.objectContaining({ path: '/' }));
  });
});
