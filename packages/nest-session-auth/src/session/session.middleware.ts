import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { sign, unsign } from 'cookie-signature';
import onHeaders from 'on-headers';
import { cookieAttributes, requestCookie } from './cookies.js';
import type { SessionLifetime } from './session-lifetime.js';
import type { ResolvedSessionOptions } from './session-options.interface.js';
import { SessionStoreUnavailableException } from './session-store-unavailable.exception.js';
import { regenerateSession } from './session.utils.js';
import type { ManagedSessionStore } from './stores/managed-session-store.js';

/**
 * express-session with the defaults this module stands for, plus what it lacks: store errors
 * become a 503 instead of a 500 or a silently empty session, responses that depend on the
 * session are never cached, idle and absolute timeouts are enforced by the server, and a cookie
 * signed with an older secret is re-issued signed with the newest (so old secrets can retire).
 */
export function sessionMiddleware(
  options: ResolvedSessionOptions,
  store: ManagedSessionStore,
  lifetime: SessionLifetime,
): RequestHandler[] {
  const expressSession = session({
    name: options.name,
    secret: options.secrets,
    store,
    resave: false,
    saveUninitialized: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: options.secureCookies ? 'auto' : false,
    },
  });
  return [
    (req: Request, res: Response, next: NextFunction) => {
      res.setHeader('Cache-Control', 'no-store');
      res.vary('Cookie');
      const staleSignature = signedWithOlderSecret(req, options);
      // Registered before express-session's own hook, so it runs after it has set the cookie.
      onHeaders(res, () => {
        if (staleSignature) reissueCookie(req, res, options);
        addMaxAge(req, res, options.name);
      });
      expressSession(req, res, (error?: unknown) =>
        next(error ? new SessionStoreUnavailableException(error) : undefined),
      );
    },
    (req: Request, _res: Response, next: NextFunction) => {
      enforceLifetime(req, lifetime).then(() => next(), next);
    },
  ];
}

async function enforceLifetime(req: Request, lifetime: SessionLifetime): Promise<void> {
  const current = req.session;
  if (current?.createdAt === undefined) return;
  const now = Date.now();
  if (lifetime.hasExpired(current, now)) {
    await regenerateSession(req).catch((error: unknown) => {
      throw new SessionStoreUnavailableException(error);
    });
  } else if (lifetime.shouldRecordActivity(current, now)) {
    current.lastSeen = now;
  }
}

/**
 * express-session gives a persistent cookie `Expires` only; `Max-Age` as well makes the lifetime
 * independent of the browser's clock (it wins where both are understood).
 */
function addMaxAge(req: Request, res: Response, name: string): void {
  const header = res.getHeader('Set-Cookie');
  if (!Array.isArray(header)) return;
  // From the session's own remaining lifetime: `Expires` is rounded down to the second.
  const remaining = req.session?.cookie.maxAge;
  res.setHeader(
    'Set-Cookie',
    header.map((line) => {
      const expires = line.startsWith(`${name}=`) ? /; Expires=([^;]+)/.exec(line) : null;
      if (!expires || line.includes('; Max-Age=')) return line;
      const ms = typeof remaining === 'number' ? remaining : Date.parse(expires[1]) - Date.now();
      return `${line}; Max-Age=${Math.max(0, Math.round(ms / 1000))}`;
    }),
  );
}

/** True when the session cookie verifies only with a secret other than the first. */
function signedWithOlderSecret(req: Request, { name, secrets }: ResolvedSessionOptions): boolean {
  if (secrets.length < 2) return false;
  const value = requestCookie(req, name);
  if (value === undefined || !value.startsWith('s:')) return false;
  const signed = value.slice(2);
  return (
    unsign(signed, secrets[0]) === false &&
    secrets.slice(1).some((secret) => unsign(signed, secret) !== false)
  );
}

/** Sets the cookie again, signed with the first secret, unless express-session already set it. */
function reissueCookie(req: Request, res: Response, options: ResolvedSessionOptions): void {
  const stored = req.session?.createdAt !== undefined;
  const header = res.getHeader('Set-Cookie');
  const lines = Array.isArray(header) ? header : header === undefined ? [] : [String(header)];
  if (!stored || lines.some((line) => line.startsWith(`${options.name}=`))) return;
  const { expires } = req.session.cookie;
  res.cookie(options.name, `s:${sign(req.sessionID, options.secrets[0])}`, {
    ...cookieAttributes(options, req),
    ...(expires ? { expires } : {}),
  });
}
