import type { Request, Response } from 'express';
import { cookieAttributes, requestCookie } from './cookies.js';
import { newCsrfToken } from './csrf-token.js';
import { SESSION_DEFAULTS } from './session.constants.js';
import type { ResolvedSessionOptions } from './session-options.interface.js';
import { signValue, verifySignedValue } from './signed-value.js';

const PURPOSE = 'csrf';

/**
 * Signed double-submit CSRF cookies for visitors without a stored session, so they need no row:
 * `issuedAt.token.mac`, valid for the idle timeout after `issuedAt`. Forms carry the token
 * masked, as a stored session's. Time is passed in, so the rules are tested without waiting.
 */
export class AnonymousCsrf {
  private readonly lifetimeMs: number;

  constructor(private readonly options: ResolvedSessionOptions) {
    this.lifetimeMs = options.idleTimeout * 1000;
  }

  /**
   * The token a page's forms carry. A cookie past half its lifetime is re-issued with the same
   * token, so every rendered form has at least half the idle timeout left and forms in other
   * tabs keep working; a missing, forged or expired one is replaced by a new token.
   */
  tokenForPage(req: Request, res: Response, now: number): string {
    const current = this.read(req, now);
    const token = current?.token ?? newCsrfToken();
    if (current === undefined || now - current.issuedAt > this.lifetimeMs / 2) {
      res.cookie(this.cookieName(req), this.issue(token, now), cookieAttributes(this.options, req));
    }
    return token;
  }

  /** The token of the request's cookie, if it is genuine and unexpired. */
  verifiedToken(req: Request, now: number): string | undefined {
    return this.read(req, now)?.token;
  }

  /**
   * Expires the cookie in the browser, if the request sent one (at sign-in, when the session's
   * own token takes over).
   */
  forget(req: Request, res: Response): void {
    const name = this.cookieName(req);
    if (requestCookie(req, name) !== undefined) {
      res.clearCookie(name, cookieAttributes(this.options, req));
    }
  }

  /** `__Host-` on HTTPS: Secure, Path=/ and no Domain, so no sibling subdomain can plant one. */
  private cookieName(req: Request): string {
    const name = SESSION_DEFAULTS.csrfCookieName;
    return cookieAttributes(this.options, req).secure ? `__Host-${name}` : name;
  }

  private issue(token: string, now: number): string {
    return signValue(PURPOSE, `${now}.${token}`, this.options.secrets);
  }

  private read(req: Request, now: number): { issuedAt: number; token: string } | undefined {
    const cookie = requestCookie(req, this.cookieName(req));
    const payload = cookie && verifySignedValue(PURPOSE, cookie, this.options.secrets);
    const match = payload ? /^(\d{1,15})\.([\w-]+)$/.exec(payload) : null;
    if (!match) return undefined;
    const issuedAt = Number(match[1]);
    return now - issuedAt < this.lifetimeMs ? { issuedAt, token: match[2] } : undefined;
  }
}
