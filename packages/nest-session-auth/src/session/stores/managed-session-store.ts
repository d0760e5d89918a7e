import type session from 'express-session';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { MergeCheck } from './session-persistence.js';

/** One of an owner's sessions, as shown in a "your sessions" list; never the session id. */
export interface SessionSummary {
  handle: string;
  createdAt: number;
  lastSeen: number;
  userAgent: string;
  ip: string;
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

/** An express-session store this module can list by owner, purge, health-check and close. */
export interface ManagedSessionStore extends session.Store {
  length(callback: (error: unknown, length?: number) => void): void;
  /** The owner's live sessions, most recently seen first, from an index (no scan). */
  listOwned(owner: string): Promise<SessionSummary[]>;
  /**
   * Deletes the owner's sessions: the one with `handle`, or all but `exceptHandle`, or all.
   * Resolves to how many went; a handle of another owner matches nothing.
   */
  destroyOwned(owner: string, which: { handle?: string; exceptHandle?: string }): Promise<number>;
  /** Deletes sessions whose expiry has passed; resolves to how many went. */
  purgeExpired(now?: number): Promise<number>;
  /**
   * A rate limiter (rate-limiter-flexible) whose counts live in this store, so every instance
   * sharing the store shares one count and a restart forgets nothing.
   */
  attemptCounter(options: AttemptCounterOptions): RateLimiterAbstract;
  /** Adds a check that data merged from parallel saves must pass (see `MergeCheck`). */
  addMergeCheck(check: MergeCheck): void;
  /** Resolves when the store answers; rejects when it does not. */
  ping(): Promise<void>;
  /** Releases connections; called after the HTTP server has drained. */
  close(): Promise<void>;
}
