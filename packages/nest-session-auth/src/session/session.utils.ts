import type { Request } from 'express';

/** `req.session.regenerate` as a promise: the old id is destroyed in the store, a new one issued. */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((error) => (error ? reject(error) : resolve())),
  );
}

/** `req.session.save` as a promise: resolves once the store has the session. */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.save((error) => (error ? reject(error) : resolve())),
  );
}

/** `req.session.destroy` as a promise: resolves once the store has forgotten the session. */
export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.destroy((error) => (error ? reject(error) : resolve())),
  );
}

/** `req.session.reload` as a promise: the session's data as the store holds it now. */
export function reloadSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.reload((error) => (error ? reject(error) : resolve())),
  );
}
