import session, { type SessionData } from 'express-session';
import type { SessionLifetime } from '../session-lifetime.js';
import type { ManagedSessionStore } from './managed-session-store.js';

type Callback<T = void> = (error: unknown, value?: T) => void;

interface Entry {
  json: string;
  rev: number;
  expired: number;
}

/**
 * An in-process store with the same rules as the SQLite one (server-side expiry, update-only
 * saves, purge). For development and tests: sessions do not survive a restart and are not
 * shared between instances. express-session's MemoryStore keeps browser-session rows forever.
 */
export class MemorySessionStore extends session.Store implements ManagedSessionStore {
  private readonly sessions = new Map<string, Entry>();

  constructor(private readonly lifetime: SessionLifetime) {
    super();
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    const entry = this.sessions.get(sid);
    const data =
      entry && entry.expired > Date.now()
        ? { ...(JSON.parse(entry.json) as SessionData), rev: entry.rev }
        : null;
    process.nextTick(callback, null, data);
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    const { rev, ...rest } = data;
    const current = this.sessions.get(sid);
    // Never re-create a session that was loaded and has since been destroyed.
    if (rev === undefined || current) {
      this.sessions.set(sid, {
        json: JSON.stringify(rest),
        rev: (current?.rev ?? 0) + 1,
        expired: this.lifetime.expiresAt(data),
      });
    }
    if (callback) process.nextTick(callback, null);
  }

  override destroy(sid: string, callback?: Callback): void {
    this.sessions.delete(sid);
    if (callback) process.nextTick(callback, null);
  }

  override touch(_sid: string, _data: SessionData, callback?: Callback): void {
    if (callback) process.nextTick(callback, null);
  }

  override length(callback: Callback<number>): void {
    const now = Date.now();
    let count = 0;
    for (const entry of this.sessions.values()) if (entry.expired > now) count++;
    process.nextTick(callback, null, count);
  }

  override clear(callback?: Callback): void {
    this.sessions.clear();
    if (callback) process.nextTick(callback, null);
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    let purged = 0;
    for (const [sid, entry] of this.sessions) {
      if (entry.expired <= now) {
        this.sessions.delete(sid);
        purged++;
      }
    }
    return purged;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.sessions.clear();
  }
}
