import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { match } from 'path-to-regexp';
import { AnonymousCsrf } from './anonymous-csrf.js';
import { isMaskedToken, maskToken, newCsrfToken } from './csrf-token.js';
import { RESOLVED_SESSION_OPTIONS } from './session.constants.js';
import type { ResolvedSessionOptions } from './session-options.interface.js';
import { isStoredSession } from './stored-session.js';

/** Name of the hidden form field that carries the token. */
export const CSRF_FIELD = '_csrf';

/**
 * CSRF tokens. A stored session keeps its own random token (the synchronizer pattern, as Django
 * and Laravel do), shown masked, so rendering a form costs no HMAC and no cookie; signing in
 * starts a new session and so retires older tokens. Visitors without a stored session get a
 * signed double-submit cookie that expires after the idle timeout (`AnonymousCsrf`), so they
 * need no row.
 */
@Injectable()
export class CsrfService {
  private readonly anonymous: AnonymousCsrf;
  private readonly excluded: Array<(path: string) => unknown>;

  constructor(@Inject(RESOLVED_SESSION_OPTIONS) options: ResolvedSessionOptions) {
    this.anonymous = new AnonymousCsrf(options);
    this.excluded = options.csrf.exclude.map((pattern) => match(pattern, { decode: false }));
  }

  /**
   * The token to embed in forms; for a visitor without a stored session, also (re)sets the
   * CSRF cookie it is checked against.
   * @example `<input type="hidden" name="_csrf" value="{{csrfToken}}">`
   */
  token(req: Request, res: Response): string {
    if (isStoredSession(req)) return maskToken((req.session.csrfToken ??= newCsrfToken()));
    return maskToken(this.anonymous.tokenForPage(req, res, Date.now()));
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

  /**
   * Express middleware: 403 for a state-changing request without a valid token, in the form
   * field or, from scripts, the `X-CSRF-Token` header; paths in `csrf.exclude` pass.
   */
  readonly protect = (req: Request, _res: Response, next: NextFunction): void => {
    if (SAFE_METHODS.has(req.method) || this.isExcluded(req) || this.isValid(req)) next();
    else
      next(
        new ForbiddenException(
          'The form has expired or did not come from this site. Reload the page and try again.',
        ),
      );
  };

  /** By the full path: Nest mounts this middleware on a pattern, which leaves `req.path` as `/`. */
  private isExcluded(req: Request): boolean {
    if (this.excluded.length === 0) return false;
    const path = req.originalUrl.split('?', 1)[0];
    return this.excluded.some((matches) => matches(path));
  }

  private isValid(req: Request): boolean {
    const token = isStoredSession(req)
      ? req.session.csrfToken
      : this.anonymous.verifiedToken(req, Date.now());
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
