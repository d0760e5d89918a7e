import 'express-session';

/** The signed-in user as kept in the session and handed to handlers by `@CurrentUser()`. */
export interface SessionUser {
  id: string;
  name: string;
}

declare module 'express-session' {
  interface SessionData {
    /** Set at sign-in; its presence is what "signed in" means. */
    user: SessionUser;
  }
}

declare module 'express' {
  interface Request {
    /** The signed-in user, set by `SessionGuard` on every request that has one. */
    user?: SessionUser;
  }
}
