import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { doubleCsrf, type DoubleCsrfUtilities } from 'csrf-csrf';
import type { NextFunction, Request, Response } from 'express';
import { RESOLVED_SESSION_OPTIONS, SESSION_DEFAULTS } from './session.constants.js';
import type { ResolvedSessionOptions } from './session-options.interface.js';

/** Name of the hidden form field that carries the token. */
export const CSRF_FIELD = '_csrf';

/**
 * CSRF tokens (csrf-csrf, signed double-submit). A token is bound to the session id once the
 * session is stored, and before that to the visitor's own CSRF cookie only, so anonymous
 * visitors need no session row; signing in changes the id, which retires older tokens.
 */
@Injectable()
export class CsrfService {
  private readonly csrf: DoubleCsrfUtilities;

  constructor(@Inject(RESOLVED_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions) {
    this.csrf = doubleCsrf({
      getSecret: () => options.secrets,
      getSessionIdentifier: (req) => (isStored(req) ? req.sessionID : ''),
      cookieName: SESSION_DEFAULTS.csrfCookieName,
      cookieOptions: { sameSite: 'lax', path: '/', httpOnly: true, secure: false },
      getCsrfTokenFromRequest: (req) => {
        const token: unknown =
          (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] ??
          req.headers['x-csrf-token'];
        return typeof token === 'string' ? token : undefined;
      },
    });
  }

  /**
   * The token to embed in forms; also (re)sets the CSRF cookie it is checked against.
   * @example `<input type="hidden" name="_csrf" value="{{csrfToken}}">`
   */
  token(req: Request, res: Response): string {
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
    if (SAFE_METHODS.has(req.method) || this.csrf.validateRequest(req)) next();
    else
      next(
        new ForbiddenException(
          'The form has expired or did not come from this site. Reload the page and try again.',
        ),
      );
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function isStored(req: Request): boolean {
  return req.session?.createdAt !== undefined;
}
