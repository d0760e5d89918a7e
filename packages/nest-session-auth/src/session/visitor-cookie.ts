import type { Request, Response } from 'express';
import type { SessionData } from 'express-session';
import { cookieAttributes, requestCookie } from './cookies.js';
import { SESSION_DEFAULTS } from './session.constants.js';
import type { ResolvedSessionOptions } from './session-options.interface.js';
import { signValue, verifySignedValue } from './signed-value.js';

/** Name of the cookie that holds a visitor's keys while they have no stored session. */
export const VISITOR_COOKIE = SESSION_DEFAULTS.visitorCookieName;

/** Longest value read or written: room for a few preferences, far below a browser's 4 kB. */
const MAX_VALUE_LENGTH = 1024;

/**
 * Accepts only what a visitor key may hold, since a value read back from the cookie is only as
 * trustworthy as the code that signed it.
 * @example (value: unknown): value is Theme => value === 'light' || value === 'dark'
 */
export type VisitorValueCheck<K extends keyof SessionData> = (
  value: unknown,
) => value is SessionData[K];

/**
 * The visitor keys (device preferences such as a theme) of a visitor without a stored session,
 * kept in one signed cookie, `base64url(JSON).mac`, so choosing one creates no session row.
 * A forged, unparsable or oversized cookie reads as empty; unregistered keys and values their
 * check refuses are dropped.
 */
export class VisitorCookie {
  private readonly checks = new Map<string, (value: unknown) => boolean>();
  /** Parsed once per request; writes during the request replace it. */
  private readonly parsed = new WeakMap<Request, Partial<SessionData>>();

  constructor(private readonly options: ResolvedSessionOptions) {}

  /** Makes `key` a visitor key, holding only values `check` accepts. */
  register<K extends keyof SessionData>(key: K, check: VisitorValueCheck<K>): void {
    this.checks.set(key, check);
  }

  /** True when `key` is a registered visitor key. */
  has(key: string): boolean {
    return this.checks.has(key);
  }

  /** The visitor keys set in `data` (a session), with their values. */
  pick(data: Partial<SessionData>): Partial<SessionData> {
    return Object.fromEntries(
      Object.entries(data).filter(([key, value]) => this.has(key) && value !== undefined),
    );
  }

  /** The values in the request's cookie; empty without a valid one. */
  read(req: Request): Partial<SessionData> {
    let values = this.parsed.get(req);
    if (values === undefined) {
      values = this.decode(requestCookie(req, VISITOR_COOKIE));
      this.parsed.set(req, values);
    }
    return values;
  }

  /**
   * Sets the cookie to hold `values`, or clears it when they are empty. Lasts as long as a
   * remembered session, counted from the last change.
   */
  write(req: Request, res: Response, values: Partial<SessionData>): void {
    if (Object.keys(values).length === 0) return this.clear(req, res);
    const value = signValue(
      VISITOR_COOKIE,
      Buffer.from(JSON.stringify(values)).toString('base64url'),
      this.options.secrets,
    );
    if (value.length > MAX_VALUE_LENGTH) {
      throw new RangeError(
        `The ${VISITOR_COOKIE} cookie is limited to ${MAX_VALUE_LENGTH} characters`,
      );
    }
    this.parsed.set(req, values);
    res.cookie(VISITOR_COOKIE, value, {
      ...cookieAttributes(this.options, req),
      maxAge: this.options.rememberMaxAge * 1000,
    });
  }

  /** Expires the cookie in the browser, if the request sent one. */
  clear(req: Request, res: Response): void {
    this.parsed.set(req, {});
    if (requestCookie(req, VISITOR_COOKIE) === undefined) return;
    res.clearCookie(VISITOR_COOKIE, cookieAttributes(this.options, req));
  }

  private decode(cookie: string | undefined): Partial<SessionData> {
    if (cookie === undefined || cookie.length > MAX_VALUE_LENGTH) return {};
    const payload = verifySignedValue(VISITOR_COOKIE, cookie, this.options.secrets);
    if (payload === undefined) return {};
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(payload, 'base64url').toString());
    } catch {
      return {};
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return {};
    return Object.fromEntries(
      Object.entries(data).filter(([key, value]) => this.checks.get(key)?.(value) === true),
    );
  }
}
