import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { doubleCsrf, type DoubleCsrfUtilities } from 'csrf-csrf';
import type { NextFunction, Request, Response } from 'express';
import { RESOLVED_SESSION_OPTIONS, SESSION_DEFAULTS } from './session.constants.js';
import type { ResolvedSessionOptions } from './session-options.interface.js';

/** Name of the hidden form field that carries the token. */
export const CSRF_FIELD = '_csrf';

const TOKEN_BYTES = 24;

/** A new synchronizer token, kept in the session (`SessionData.csrfToken`) once it is stored. */
export function newCsrfToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * The session's token under a fresh one-time pad, so the page never shows the same bytes twice
 * (as Django does against BREACH: compressed responses would otherwise leak a constant secret).
 */
function maskToken(token: string): string {
  const pad = randomBytes(TOKEN_BYTES);
  return Buffer.concat([pad, xor(pad, Buffer.from(token, 'base64url'))]).toString('base64url');
}

/** True when `submitted` is the session's token under some pad. */
function isMaskedToken(submitted: string, token: string): boolean {
  const masked = Buffer.from(submitted, 'base64url');
  if (masked.length !== 2 * TOKEN_BYTES) return false;
  const unmasked = xor(masked.subarray(0, TOKEN_BYTES), masked.subarray(TOKEN_BYTES));
  const expected = Buffer.from(token, 'base64url');
  return expected.length === TOKEN_BYTES && timingSafeEqual(unmasked, expected);
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let index = 0; index < a.length; index++) out[index] = a[index] ^ b[index];
  return out;
}

/**
 * CSRF tokens. A stored session keeps its own random token (the synchronizer pattern, as Django
 * and Laravel do), shown masked, so rendering a form costs no HMAC and no cookie; signing in
 * starts a new session and so retires older tokens. Before a session is stored, anonymous visitors get a
 * signed double-submit token (csrf-csrf) bound to their own CSRF cookie, so they need no row.
 */
@Injectable()
export class CsrfService {
  private readonly csrf: DoubleCsrfUtilities;

  constructor(@Inject(RESOLVED_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions) {
    this.csrf = doubleCsrf({
      getSecret: () => options.secrets,
      getSessionIdentifier: () => '',
      cookieName: SESSION_DEFAULTS.csrfCookieName,
      cookieOptions: { sameSite: 'lax', path: '/', httpOnly: true, secure: false },
      getCsrfTokenFromRequest: submittedToken,
    });
  }

  /**
   * The token to embed in forms; also (re)sets the CSRF cookie it is checked against.
   * @example `<input type="hidden" name="_csrf" value="{{csrfToken}}">`
   */
  token(req: Request, res: Response): string {
    if (isStored(req)) return maskToken((req.session.csrfToken ??= newCsrfToken()));
    return this.csrf.generateCsrfToken(req, res, {
      cookieOptions: {
        sameSite: 'lax',
        path: '/',
        httpOnly: true,
        secure: this.options.secureCookies && req.secure,
      },
    });
  }

  /** Express middleware: makes `csrfToken` available to every view, generated only if rendered. */
  readonly exposeToken = (req: Request, res: Response, next: NextFunction): void => {
    let token: string | undefined;
    Object.defineProperty(res.locals, 'csrfToken', {
      enumerable: true,
      get: () => (token ??= this.token(req, res)),
    });
    next();
  };

  /** Express middleware: 403 for a state-changing request without a valid token. */
  readonly protect = (req: Request, _res: Response, next: NextFunction): void => {
    if (SAFE_METHODS.has(req.method) || this.isValid(req)) next();
    else
      next(
        new ForbiddenException(
          'The form has expired or did not come from this site. Reload the page and try again.',
        ),
      );
  };

  private isValid(req: Request): boolean {
    if (!isStored(req)) return this.csrf.validateRequest(req);
    const token = req.session.csrfToken;
    const submitted = submittedToken(req);
    return token !== undefined && submitted !== undefined && isMaskedToken(submitted, token);
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The form field, else the header scripts send. */
function submittedToken(req: Request): string | undefined {
  const token: unknown =
    (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] ?? req.headers['x-csrf-token'];
  return typeof token === 'string' ? token : undefined;
}

function isStored(req: Request): boolean {
  return req.session?.createdAt !== undefined;
}
