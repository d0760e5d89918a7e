import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { ACTIVITY_RESOLUTION_MS } from './session.constants.js';
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
  } else if (now - (current.lastSeen ?? 0) >= ACTIVITY_RESOLUTION_MS) {
    current.lastSeen = now;
  }
}
