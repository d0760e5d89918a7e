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

  /**
   * Whether a request should record activity now (a write): when `lastSeen` is older than a
   * minute, or than a tenth of the session's sliding window, so short timeouts stay accurate
   * to 10% while busy sessions are written at most once a minute.
   */
  shouldRecordActivity(session: StoredSession, now = Date.now()): boolean {
    const window = isRemembered(session) ? this.rememberMs : this.idleMs;
    return now - (session.lastSeen ?? 0) >= Math.min(ACTIVITY_RESOLUTION_MS, window / 10);
  }

  hasExpired(session: StoredSession, now = Date.now()): boolean {
    return now >= this.expiresAt(session, now);
  }
}
