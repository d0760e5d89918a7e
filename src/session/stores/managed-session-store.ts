import type session from 'express-session';

/** An express-session store this module can purge, health-check and close. */
export interface ManagedSessionStore extends session.Store {
  length(callback: (error: unknown, length?: number) => void): void;
  /** Deletes sessions whose expiry has passed; resolves to how many went. */
  purgeExpired(now?: number): Promise<number>;
  /** Resolves when the store answers; rejects when it does not. */
  ping(): Promise<void>;
  /** Releases connections; called after the HTTP server has drained. */
  close(): Promise<void>;
}
