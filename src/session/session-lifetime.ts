import type { SessionData } from 'express-session';
import { ACTIVITY_RESOLUTION_MS } from './session.constants.js';

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

  /**
   * How stale `lastSeen` may get before a request records activity (a write): at most a
   * minute, and a tenth of the idle timeout, so short timeouts stay accurate to 10%.
   */
  readonly activityResolution: number;

  constructor(options: SessionLifetimeOptions) {
    this.idleMs = options.idleTimeout * 1000;
    this.activityResolution = Math.min(ACTIVITY_RESOLUTION_MS, this.idleMs / 10);
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
