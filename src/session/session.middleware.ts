import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import onHeaders from 'on-headers';
import type { SessionLifetime } from './session-lifetime.js';
import type { ResolvedSessionOptions } from './session-options.interface.js';
import { SessionStoreUnavailableException } from './session-store-unavailable.exception.js';
import { regenerateSession } from './session.utils.js';
import type { ManagedSessionStore } from './stores/managed-session-store.js';

/**
 * express-session with the defaults this module stands for, plus what it lacks: store errors
 * become a 503 instead of a 500 or a silently empty session, responses that depend on the
 * session are never cached, and idle and absolute timeouts are enforced by the server.
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
      // Registered before express-session's own hook, so it runs after it has set the cookie.
      onHeaders(res, () => addMaxAge(res, options.name));
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
  } else if (now - (current.lastSeen ?? 0) >= lifetime.activityResolution) {
    current.lastSeen = now;
  }
}

/**
 * express-session gives a persistent cookie `Expires` only; `Max-Age` as well makes the lifetime
 * independent of the browser's clock (it wins where both are understood).
 */
function addMaxAge(res: Response, name: string): void {
  const header = res.getHeader('Set-Cookie');
  if (!Array.isArray(header)) return;
  res.setHeader(
    'Set-Cookie',
    header.map((line) => {
      const expires = line.startsWith(`${name}=`) ? /; Expires=([^;]+)/.exec(line) : null;
      if (!expires || line.includes('; Max-Age=')) return line;
      const seconds = Math.max(0, Math.round((Date.parse(expires[1]) - Date.now()) / 1000));
      return `${line}; Max-Age=${seconds}`;
    }),
  );
}
