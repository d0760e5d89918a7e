import type session from 'express-session';
import type { SessionData } from 'express-session';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type {
  AttemptCounterOptions,
  OwnedSelector,
  SessionBackend,
  SessionSummary,
} from './session-backend.js';
import type { MergeCheck } from './session-persistence.js';

/** The express-session store SessionModule provides: listable by owner, purgeable, closable. */
export interface ManagedSessionStore extends session.Store {
  /** The backend the store runs on. */
  readonly backend: SessionBackend;
  get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void;
  set(sid: string, session: SessionData, callback?: (error?: unknown) => void): void;
  destroy(sid: string, callback?: (error?: unknown) => void): void;
  length(callback: (error: unknown, length?: number) => void): void;
  /** The owner's live sessions, most recently seen first, from an index (no scan). */
  listOwned(owner: string): Promise<SessionSummary[]>;
  /** Deletes the owner's sessions `which` selects; a handle of another owner matches nothing. */
  destroyOwned(owner: string, which: OwnedSelector): Promise<number>;
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
