import type session from 'express-session';

/** One of an owner's sessions, as shown in a "your sessions" list; never the session id. */
export interface SessionSummary {
  handle: string;
  createdAt: number;
  lastSeen: number;
  userAgent: string;
  ip: string;
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
  /** Resolves when the store answers; rejects when it does not. */
  ping(): Promise<void>;
  /** Releases connections; called after the HTTP server has drained. */
  close(): Promise<void>;
}
