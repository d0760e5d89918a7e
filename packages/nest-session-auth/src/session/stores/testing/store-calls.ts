import type { Request } from 'express';
import type { SessionData } from 'express-session';
import type { ManagedSessionStore } from '../managed-session-store.js';

/** Promise forms of the callback store API, for specs. */
export const storeCalls = (sut: ManagedSessionStore) => ({
  get: (sid: string) =>
    new Promise<SessionData | null | undefined>((resolve, reject) =>
      sut.get(sid, (error, data) => (error ? reject(error as Error) : resolve(data))),
    ),
  set: (sid: string, data: SessionData) =>
    new Promise<void>((resolve, reject) =>
      sut.set(sid, data, (error) => (error ? reject(error as Error) : resolve())),
    ),
  destroy: (sid: string) =>
    new Promise<void>((resolve, reject) =>
      sut.destroy(sid, (error) => (error ? reject(error as Error) : resolve())),
    ),
  clear: () =>
    new Promise<void>((resolve, reject) =>
      sut.clear!((error) => (error ? reject(error as Error) : resolve())),
    ),
  length: () =>
    new Promise<number | undefined>((resolve, reject) =>
      sut.length((error, count) => (error ? reject(error as Error) : resolve(count))),
    ),
  /** What express-session does on each request: get, then wrap the data in a Session. */
  load: async (sid: string): Promise<SessionData | null> => {
    const data = await storeCalls(sut).get(sid);
    return data
      ? (sut.createSession({ sessionID: sid } as Request, data) as unknown as SessionData)
      : null;
  },
});

export function sessionData(extra: Partial<SessionData> = {}): SessionData {
  return { cookie: { originalMaxAge: null, httpOnly: true, path: '/' }, ...extra } as SessionData;
}
