import 'express-session';

declare module 'express-session' {
  interface SessionData {
    /** Epoch ms when the session was established (sign-in); the absolute timeout counts from here. */
    createdAt: number;
    /** Epoch ms of the last recorded activity, kept to a resolution of at most a minute. */
    lastSeen: number;
    /** Who the session belongs to (a user id); stores index sessions by it. */
    owner: string;
    /** Opaque, random name of the session for lists and revocation; unrelated to the id. */
    handle: string;
    /** The session's CSRF token (synchronizer pattern); a new session gets a new one. */
    csrfToken: string;
    /** The browser and address the session was established from. */
    device: { userAgent: string; ip: string };
  }
}
