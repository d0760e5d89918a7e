import type { Request } from 'express';
import session, { type SessionData } from 'express-session';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { SessionLifetime } from '../session-lifetime.js';
import { type Callback, settle } from './callback.js';
import type { ManagedSessionStore } from './managed-session-store.js';
import type {
  AttemptCounterOptions,
  OwnedSelector,
  SessionBackend,
  SessionSummary,
} from './session-backend.js';
import { SessionPersistence, type MergeCheck } from './session-persistence.js';

/** What the core runs on: a backend, the lifetime rules, and a clock (injectable for tests). */
export interface StoreParts {
  backend: SessionBackend;
  lifetime: SessionLifetime;
  now?: () => number;
}

// oxlint-disable-next-line typescript/no-explicit-any -- a mixin base must take any[] (TS2545)
type StoreClass = abstract new (...args: any[]) => session.Store;

/** A store class made by `revisioned`: its constructor takes the parts, then the base's arguments. */
export type RevisionedStoreClass = abstract new (
  parts: StoreParts,
  ...base: unknown[]
) => ManagedSessionStore;

/**
 * The express-session store surface, written once over a `SessionBackend`: every callback is
 * called once, on a later tick, outside the promise chain (so a caller's exception is not a
 * store error); saves are compare-and-set with merge (`SessionPersistence`); a session past its
 * expiry reads as none. A mixin, so a store can keep a base class of its own (connect-sqlite3).
 */
export function revisioned(Base: StoreClass): RevisionedStoreClass {
  abstract class Revisioned extends Base implements ManagedSessionStore {
    readonly backend: SessionBackend;
    private readonly persistence: SessionPersistence;
    private readonly now: () => number;

    // oxlint-disable-next-line typescript/no-explicit-any -- see StoreClass
    constructor(...args: any[]) {
      const [{ backend, lifetime, now = Date.now }, ...base] = args as [StoreParts, ...unknown[]];
      super(...base);
      this.backend = backend;
      this.persistence = new SessionPersistence(backend, lifetime);
      this.now = now;
    }

    override get(sid: string, callback: Callback<SessionData | null>): void {
      settle(this.readLive(sid), callback);
    }

    override set(sid: string, data: SessionData, callback?: Callback): void {
      settle(this.persistence.save(sid, data), callback);
    }

    /** express-session copies loaded data into a Session object; the load state goes with it. */
    override createSession(req: Request, data: SessionData) {
      const created = super.createSession(req, data);
      this.persistence.adopt(created, data);
      return created;
    }

    override destroy(sid: string, callback?: Callback): void {
      settle(this.backend.remove(sid), callback);
    }

    /**
     * Activity is recorded in the session itself (`lastSeen`, at most once a minute), which
     * moves its expiry on save; touching the row on every request would be a write per request.
     */
    override touch(_sid: string, _data: SessionData, callback?: Callback): void {
      settle(Promise.resolve(), callback);
    }

    override length(callback: Callback<number>): void {
      settle(this.backend.count(this.now()), callback);
    }

    override clear(callback?: Callback): void {
      settle(this.backend.clear(), callback);
    }

    async listOwned(owner: string): Promise<SessionSummary[]> {
      const owned = await this.backend.listOwned(owner, this.now());
      return owned.toSorted((a, b) => b.lastSeen - a.lastSeen);
    }

    destroyOwned(owner: string, which: OwnedSelector): Promise<number> {
      return this.backend.removeOwned(owner, which);
    }

    purgeExpired(now = this.now()): Promise<number> {
      return this.backend.purgeExpired(now);
    }

    attemptCounter(options: AttemptCounterOptions) {
      const { name, points, duration } = options;
      return (
        this.backend.attemptCounter?.(options) ??
        new RateLimiterMemory({ keyPrefix: name, points, duration })
      );
    }

    addMergeCheck(check: MergeCheck): void {
      this.persistence.addMergeCheck(check);
    }

    ping(): Promise<void> {
      return this.backend.ping();
    }

    close(): Promise<void> {
      return this.backend.close();
    }

    private async readLive(sid: string): Promise<SessionData | null> {
      const stored = await this.backend.read(sid);
      return stored && stored.expires > this.now() ? this.persistence.decode(stored) : null;
    }
  }
  return Revisioned;
}

/**
 * The store for any backend, on express-session's own Store base.
 * @example new RevisionedSessionStore({ backend: new MyBackend(), lifetime })
 */
export class RevisionedSessionStore extends revisioned(session.Store) {}
