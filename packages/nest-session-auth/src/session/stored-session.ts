import type { Request } from 'express';

/** True when the request's session is one kept in the store: established by signing in or up. */
export function isStoredSession(req: Request): boolean {
  return req.session?.createdAt !== undefined;
}
