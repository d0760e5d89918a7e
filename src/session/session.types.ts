import 'express-session';

declare module 'express-session' {
  interface SessionData {
    /** Epoch ms when the session was established (sign-in); the absolute timeout counts from here. */
    createdAt: number;
    /** Epoch ms of the last recorded activity, kept to a resolution of a minute. */
    lastSeen: number;
    /**
     * Revision assigned by the store when the session was loaded; absent on a session that was
     * never saved. Stores use it to tell an update from an insert, so a destroyed session is
     * never written back.
     */
    rev: number;
  }
}
