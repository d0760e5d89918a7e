import { ForbiddenException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { CsrfService, newCsrfToken } from './csrf.service.js';
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
});
