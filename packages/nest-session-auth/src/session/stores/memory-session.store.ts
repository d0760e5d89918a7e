import type { Request } from 'express';
import session, { type SessionData } from 'express-session';
import type { SessionLifetime } from '../session-lifetime.js';
import type { Callback } from './callback.js';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type {
  AttemptCounterOptions,
  ManagedSessionStore,
  SessionSummary,
} from './managed-session-store.js';
import {
  SessionPersistence,
  type MergeCheck,
  type SessionBackend,
  type SessionColumns,
  type StoredSession,
} from './session-persistence.js';

interface Entry extends StoredSession {
  columns: SessionColumns;
}

/**
 * An in-process store with the same rules as the SQLite one (server-side expiry, merged
 * compare-and-set saves, a per-owner index, purge). For development and tests: sessions do
 * not survive a restart and are not shared between instances. (express-session's MemoryStore
 * keeps browser-session entries forever.)
 */
export class MemorySessionStore
  extends session.Store
  implements ManagedSessionStore, SessionBackend
{
  private readonly sessions = new Map<string, Entry>();
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly persistence: SessionPersistence;

  constructor(lifetime: SessionLifetime) {
    super();
    this.persistence = new SessionPersistence(this, lifetime);
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    const entry = this.sessions.get(sid);
    const data =
      entry && entry.columns.expired > Date.now() ? this.persistence.decode(entry) : null;
    process.nextTick(callback, null, data);
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    this.persistence.save(sid, data).then(
      () => callback && process.nextTick(callback, null),
      (error: unknown) => callback && process.nextTick(callback, error),
    );
  }

  override createSession(req: Request, data: SessionData) {
    const created = super.createSession(req, data);
    this.persistence.adopt(created, data);
    return created;
  }

  override destroy(sid: string, callback?: Callback): void {
    this.remove(sid);
    if (callback) process.nextTick(callback, null);
  }

  override touch(_sid: string, _data: SessionData, callback?: Callback): void {
    if (callback) process.nextTick(callback, null);
  }

  override length(callback: Callback<number>): void {
    const now = Date.now();
    let count = 0;
    for (const entry of this.sessions.values()) if (entry.columns.expired > now) count++;
    process.nextTick(callback, null, count);
  }

  override clear(callback?: Callback): void {
    this.sessions.clear();
    this.byOwner.clear();
    if (callback) process.nextTick(callback, null);
  }

  async read(sid: string): Promise<StoredSession | undefined> {
    return this.sessions.get(sid);
  }

  async insert(sid: string, json: string, columns: SessionColumns): Promise<void> {
    this.remove(sid);
    this.put(sid, { json, rev: 1, columns });
  }

  async update(sid: string, json: string, columns: SessionColumns, rev: number): Promise<boolean> {
    const entry = this.sessions.get(sid);
    if (entry?.rev !== rev) return false;
    this.remove(sid);
    this.put(sid, { json, rev: rev + 1, columns });
    return true;
  }

  async listOwned(owner: string): Promise<SessionSummary[]> {
    const now = Date.now();
    const summaries: SessionSummary[] = [];
    for (const sid of this.byOwner.get(owner) ?? []) {
      const { columns } = this.sessions.get(sid)!;
      if (columns.expired > now) summaries.push(summary(columns));
    }
    return summaries.toSorted((a, b) => b.lastSeen - a.lastSeen);
  }

  async destroyOwned(
    owner: string,
    { handle, exceptHandle }: { handle?: string; exceptHandle?: string },
  ): Promise<number> {
    let destroyed = 0;
    // A copy: entries are removed while iterating.
    for (const sid of Array.from(this.byOwner.get(owner) ?? [])) {
      const entryHandle = this.sessions.get(sid)!.columns.handle;
      if (
        (handle === undefined || entryHandle === handle) &&
        (exceptHandle === undefined || entryHandle !== exceptHandle)
      ) {
        this.remove(sid);
        destroyed++;
      }
    }
    return destroyed;
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    let purged = 0;
    for (const [sid, entry] of this.sessions) {
      if (entry.columns.expired <= now) {
        this.remove(sid);
        purged++;
      }
    }
    return purged;
  }

  attemptCounter({ name, points, duration }: AttemptCounterOptions): RateLimiterMemory {
    return new RateLimiterMemory({ keyPrefix: name, points, duration });
  }

  addMergeCheck(check: MergeCheck): void {
    this.persistence.addMergeCheck(check);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.sessions.clear();
    this.byOwner.clear();
  }

  private put(sid: string, entry: Entry): void {
    this.sessions.set(sid, entry);
    const { owner } = entry.columns;
    if (owner !== null) {
      const owned = this.byOwner.get(owner) ?? new Set<string>();
      this.byOwner.set(owner, owned.add(sid));
    }
  }

  private remove(sid: string): void {
    const owner = this.sessions.get(sid)?.columns.owner;
    this.sessions.delete(sid);
    if (owner === undefined || owner === null) return;
    const owned = this.byOwner.get(owner);
    owned?.delete(sid);
    if (owned?.size === 0) this.byOwner.delete(owner);
  }
}

function summary(columns: SessionColumns): SessionSummary {
  return {
    handle: columns.handle ?? '',
    createdAt: columns.createdAt ?? 0,
    lastSeen: columns.lastSeen ?? 0,
    userAgent: columns.userAgent ?? '',
    ip: columns.ip ?? '',
  };
}
