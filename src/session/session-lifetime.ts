import type { SessionData } from 'express-session';

/** Lifetimes in seconds, as configured. */
export interface SessionLifetimeOptions {
  idleTimeout: number;
  rememberMaxAge: number;
  absoluteTimeout: number;
}

type StoredSession = Partial<SessionData> & { cookie: { expires?: Date | string | null } };

const isRemembered = (session: StoredSession) => session.cookie.expires != null;

/**
 * The timeout rules in one place, for the app (is this session over?) and for the stores
 * (when may this row be purged?).
 */
export class SessionLifetime {
  private readonly idleMs: number;
  private readonly rememberMs: number;
  private readonly absoluteMs: number;

  constructor(options: SessionLifetimeOptions) {
    this.idleMs = options.idleTimeout * 1000;
    this.rememberMs = options.rememberMaxAge * 1000;
    this.absoluteMs = options.absoluteTimeout * 1000;
  }

  /** Epoch ms after which the session is over unless activity moves it. */
  expiresAt(session: StoredSession, now = Date.now()): number {
    const lastSeen = session.lastSeen ?? now;
    const sliding = lastSeen + (isRemembered(session) ? this.rememberMs : this.idleMs);
    return session.createdAt === undefined
      ? sliding
      : Math.min(sliding, session.createdAt + this.absoluteMs);
  }

  hasExpired(session: StoredSession, now = Date.now()): boolean {
    return now >= this.expiresAt(session, now);
  }
}
