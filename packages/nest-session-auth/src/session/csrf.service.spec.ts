import { ForbiddenException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CsrfService } from './csrf.service.js';
import { newCsrfToken } from './csrf-token.js';
import { resolveSessionOptions } from './session-options.js';

const sut = new CsrfService(resolveSessionOptions({ secret: 'a-secret-long-enough-for-tests' }));

/** A request of a stored (signed-in) session. */
function storedRequest(csrfToken: string | undefined, submitted?: unknown, method = 'POST') {
  return {
    method,
    headers: {},
    cookies: {},
    body: submitted === undefined ? {} : { _csrf: submitted },
    session: { createdAt: Date.now(), csrfToken },
  } as unknown as Request;
}

/** A visitor without a stored session, whose cookie jar keeps what responses set. */
function anonymousVisitor() {
  const cookies: Record<string, string> = {};
  const res = {
    cookie: (name: string, value: string) => (cookies[name] = value),
  } as unknown as Response;
  const request = (submitted?: unknown, method = 'POST') =>
    ({
      method,
      headers: {},
      cookies,
      body: submitted === undefined ? {} : { _csrf: submitted },
      session: {},
    }) as unknown as Request;
  return { res, request, cookies };
}

/** What `protect` passed on: undefined when it let the request through. */
function protect(req: Request): unknown {
  let passed: unknown = 'not called';
  sut.protect(req, {} as Response, (error?: unknown) => (passed = error));
  return passed;
}

describe(CsrfService.name, () => {
  const sessionToken = newCsrfToken();
  const pageToken = () => sut.token(storedRequest(sessionToken, undefined, 'GET'), {} as Response);

  it("shows a stored session's token masked anew each time, and accepts each", () => {
    const [first, second] = [pageToken(), pageToken()];
    expect(first).not.toBe(second);
    expect(protect(storedRequest(sessionToken, first))).toBeUndefined();
    expect(protect(storedRequest(sessionToken, second))).toBeUndefined();
  });

  it.each([
    ['no token', undefined],
    ['the bare session token', sessionToken],
    [
      'another session’s token',
      sut.token(storedRequest(newCsrfToken(), undefined, 'GET'), {} as Response),
    ],
    ['a token cut short', pageToken().slice(0, 40)],
    ['text that is not base64url', '!'.repeat(64)],
    ['a number', 42],
  ])('refuses %s with 403', (_, submitted) => {
    expect(protect(storedRequest(sessionToken, submitted))).toBeInstanceOf(ForbiddenException);
  });

  it('refuses a stored session that has no token yet, and gives it one when a form renders', () => {
    const req = storedRequest(undefined, pageToken());
    expect(protect(req)).toBeInstanceOf(ForbiddenException);
    const shown = sut.token(req, {} as Response);
    expect(req.session.csrfToken).toEqual(expect.any(String));
    expect(protect(storedRequest(req.session.csrfToken, shown))).toBeUndefined();
  });

  it('lets safe methods through without a token', () => {
    expect(protect(storedRequest(sessionToken, undefined, 'GET'))).toBeUndefined();
  });

  describe('for a visitor without a stored session', () => {
    afterEach(() => vi.useRealTimers());

    it('sets a CSRF cookie when a form renders and accepts the token against it', () => {
      const visitor = anonymousVisitor();
      const shown = sut.token(visitor.request(undefined, 'GET'), visitor.res);
      expect(visitor.cookies.csrf).toEqual(expect.any(String));
      expect(sut.token(visitor.request(undefined, 'GET'), visitor.res)).not.toBe(shown);
      expect(protect(visitor.request(shown))).toBeUndefined();
    });

    it("refuses another visitor's token, and a token without a cookie", () => {
      const [victim, attacker] = [anonymousVisitor(), anonymousVisitor()];
      sut.token(victim.request(undefined, 'GET'), victim.res);
      const forged = sut.token(attacker.request(undefined, 'GET'), attacker.res);
      expect(protect(victim.request(forged))).toBeInstanceOf(ForbiddenException);
      expect(protect(anonymousVisitor().request(forged))).toBeInstanceOf(ForbiddenException);
    });

    it('refuses a token once the idle timeout has passed since its cookie was issued', () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const visitor = anonymousVisitor();
      const shown = sut.token(visitor.request(undefined, 'GET'), visitor.res);
      vi.advanceTimersByTime(7_200_000);
      expect(protect(visitor.request(shown))).toBeInstanceOf(ForbiddenException);
    });
  });
});
