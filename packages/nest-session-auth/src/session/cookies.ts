import type { CookieOptions, Request } from 'express';
import type { ResolvedSessionOptions } from './session-options.interface.js';

/**
 * The attributes every cookie of this module gets: `HttpOnly`, `SameSite=Lax`, `Path=/`, and
 * `Secure` on HTTPS requests when `secureCookies` is on (express-session's `secure: 'auto'`).
 * @example res.cookie('visitor', value, cookieAttributes(options, req));
 */
export function cookieAttributes(options: ResolvedSessionOptions, req: Request): CookieOptions {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secureCookies && req.secure,
  };
}

/** A cookie's raw value from the request (cookie-parser runs first), if it is a string. */
export function requestCookie(req: Request, name: string): string | undefined {
  const value: unknown = (req.cookies as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}
