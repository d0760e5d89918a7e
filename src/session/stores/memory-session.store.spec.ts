import type { SessionData } from 'express-session';
import { beforeEach, describe, expect, it } from 'vitest';
import { SessionLifetime } from '../session-lifetime.js';
import { MemorySessionStore } from './memory-session.store.js';

const lifetime = new SessionLifetime({
  idleTimeout: 60,
  rememberMaxAge: 3600,
  absoluteTimeout: 86_400,
});

function sessionData(extra: Partial<SessionData> = {}): SessionData {
  return { cookie: { originalMaxAge: null, httpOnly: true, path: '/' }, ...extra } as SessionData;
}

const get = (sut: MemorySessionStore, sid: string) =>
  new Promise<SessionData | null | undefined>((resolve, reject) =>
    sut.get(sid, (error, data) => (error ? reject(error as Error) : resolve(data))),
  );
const set = (sut: MemorySessionStore, sid: string, data: SessionData) =>
  new Promise<void>((resolve, reject) =>
    sut.set(sid, data, (error) => (error ? reject(error as Error) : resolve())),
  );
const destroy = (sut: MemorySessionStore, sid: string) =>
  new Promise<void>((resolve, reject) =>
    sut.destroy(sid, (error) => (error ? reject(error as Error) : resolve())),
  );
const length = (sut: MemorySessionStore) =>
  new Promise<number | undefined>((resolve, reject) =>
    sut.length((error, count) => (error ? reject(error as Error) : resolve(count))),
  );

describe(MemorySessionStore.name, () => {
  let sut: MemorySessionStore;

  beforeEach(() => {
    sut = new MemorySessionStore(lifetime);
  });

  it('stores and loads a session, with the revision the store assigned', async () => {
    await set(
      sut,
      'a',
      sessionData({ lastSeen: Date.now(), theme: 'dark' } as Partial<SessionData>),
    );

    expect(await get(sut, 'a')).toMatchObject({ rev: 1, theme: 'dark', cookie: { path: '/' } });
  });

  it('bumps the revision each time a loaded session is saved', async () => {
    await set(sut, 'a', sessionData({ lastSeen: Date.now() }));
    const loaded = await get(sut, 'a');
    await set(sut, 'a', { ...loaded!, lastSeen: Date.now() });

    expect((await get(sut, 'a'))?.rev).toBe(2);
  });

  it('knows nothing of a session it never stored', async () => {
    expect(await get(sut, 'unknown')).toBeNull();
  });

  it('never writes back a session that was destroyed after it was loaded', async () => {
    await set(sut, 'a', sessionData({ lastSeen: Date.now() }));
    const loaded = await get(sut, 'a');
    await destroy(sut, 'a');
    await set(sut, 'a', { ...loaded!, lastSeen: Date.now() });

    expect(await get(sut, 'a')).toBeNull();
  });

  it('stores a new session under an id that was destroyed before (a regenerated session)', async () => {
    await set(sut, 'a', sessionData({ lastSeen: Date.now() }));
    await destroy(sut, 'a');
    await set(sut, 'a', sessionData({ lastSeen: Date.now() }));

    expect(await get(sut, 'a')).not.toBeNull();
  });

  it('expires a browser session after the idle timeout', async () => {
    const now = Date.now();
    await set(sut, 'idle', sessionData({ createdAt: now - 120_000, lastSeen: now - 61_000 }));
    await set(sut, 'active', sessionData({ createdAt: now - 120_000, lastSeen: now - 30_000 }));

    expect(await get(sut, 'idle')).toBeNull();
    expect(await get(sut, 'active')).not.toBeNull();
  });

  it('keeps a remembered session past the idle timeout', async () => {
    const now = Date.now();
    const cookie = { originalMaxAge: 3_600_000, expires: new Date(now + 3_600_000), path: '/' };
    await set(sut, 'a', sessionData({ cookie, lastSeen: now - 61_000 } as Partial<SessionData>));

    expect(await get(sut, 'a')).not.toBeNull();
  });

  it('purges only expired sessions and says how many went', async () => {
    const now = Date.now();
    await set(sut, 'old1', sessionData({ lastSeen: now - 61_000 }));
    await set(sut, 'old2', sessionData({ lastSeen: now - 3_600_000 }));
    await set(sut, 'live', sessionData({ lastSeen: now }));

    expect(await sut.purgeExpired()).toBe(2);
    expect(await get(sut, 'live')).not.toBeNull();
    expect(await sut.purgeExpired()).toBe(0);
  });

  it('purges as of the given time', async () => {
    const now = Date.now();
    await set(sut, 'a', sessionData({ lastSeen: now }));

    expect(await sut.purgeExpired(now + 59_000)).toBe(0);
    expect(await sut.purgeExpired(now + 60_000)).toBe(1);
  });

  it('counts only live sessions', async () => {
    const now = Date.now();
    await set(sut, 'old', sessionData({ lastSeen: now - 61_000 }));
    await set(sut, 'live1', sessionData({ lastSeen: now }));
    await set(sut, 'live2', sessionData({ lastSeen: now }));

    expect(await length(sut)).toBe(2);
  });
});
