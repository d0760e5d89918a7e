import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/** A session as a backend returns it: the data as JSON, its revision and its expiry. */
export interface StoredSession {
  json: string;
  rev: number;
  /** Epoch ms after which the session is over (the core ignores it from then on). */
  expires: number;
}

/** What a backend writes: the data, and what it indexes, derived from the data on every write. */
export interface SessionRecord {
  json: string;
  expires: number;
  owner: string | null;
  handle: string | null;
  createdAt: number | null;
  lastSeen: number | null;
  userAgent: string | null;
  ip: string | null;
}

/** A record's fields in this order, for positional statements and script arguments. */
export const recordValues = (r: SessionRecord) =>
  [r.json, r.expires, r.owner, r.handle, r.createdAt, r.lastSeen, r.userAgent, r.ip] as const;

/** One of an owner's sessions, as shown in a "your sessions" list; never the session id. */
export interface SessionSummary {
  handle: string;
  createdAt: number;
  lastSeen: number;
  userAgent: string;
  ip: string;
}

/** Which of an owner's sessions: the one with `handle`, all but `exceptHandle`, or all. */
export interface OwnedSelector {
  handle?: string;
  exceptHandle?: string;
}

/** An attempt counter: what it counts and for how long. */
export interface AttemptCounterOptions {
  /** Keeps this counter's keys apart from other counters'. */
  name: string;
  /** Attempts allowed per key within `duration`. */
  points: number;
  /** Seconds from a key's first attempt until its count starts again. */
  duration: number;
}

/** Marks the read and the write of a save that lost a race, so a queueing backend lets it go first. */
export interface RetryHint {
  retry?: boolean;
}

/**
 * Where sessions live: the I/O a store needs and nothing else. The rules (compare-and-set with
 * merge, lifetimes, once-only callbacks, which owned sessions match) live in the core, which
 * runs every backend; `describeSessionBackend` from `nest-session-auth/testing` checks one.
 * @example SessionModule.forRoot({ secret, store: new MyBackend() })
 */
export interface SessionBackend {
  /** The session, expired or not; undefined when there is none. */
  read(sid: string, hint?: RetryHint): Promise<StoredSession | undefined>;
  /** Writes a session never loaded (new or regenerated) at revision 1, replacing any other. */
  insert(sid: string, record: SessionRecord): Promise<void>;
  /** Writes at revision `rev + 1` only if the session is still at `rev`; false if not (or gone). */
  update(sid: string, record: SessionRecord, rev: number, hint?: RetryHint): Promise<boolean>;
  remove(sid: string): Promise<void>;
  /** The owner's sessions not expired at `now`, in any order. */
  listOwned(owner: string, now: number): Promise<SessionSummary[]>;
  /** Deletes the owner's sessions that `which` selects; resolves to how many went. */
  removeOwned(owner: string, which: OwnedSelector): Promise<number>;
  /** Deletes sessions expired at `now` (a backend that expires them itself returns 0). */
  purgeExpired(now: number): Promise<number>;
  /** How many sessions are not expired at `now`. */
  count(now: number): Promise<number>;
  /** Deletes every session. */
  clear(): Promise<void>;
  /** Resolves when the backend answers; rejects when it does not. */
  ping(): Promise<void>;
  /** Releases connections; writes already accepted must land first. */
  close(): Promise<void>;
  /**
   * A rate limiter whose counts live beside the sessions, shared by every instance. Without
   * it, counts are kept in process (not shared, lost on restart).
   */
  attemptCounter?(options: AttemptCounterOptions): RateLimiterAbstract;
}

/** True for an object that implements SessionBackend (not a named store's options). */
export function isSessionBackend(value: unknown): value is SessionBackend {
  const methods = ['read', 'insert', 'update', 'remove', 'listOwned', 'removeOwned'] as const;
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')
  );
}

/** Whether `which` selects a session with `handle`: the rule every backend applies. */
export function selects({ handle, exceptHandle }: OwnedSelector, sessionHandle: string | null) {
  return (
    (handle === undefined || sessionHandle === handle) &&
    (exceptHandle === undefined || sessionHandle !== exceptHandle)
  );
}
