import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionLifetime } from '../session-lifetime.js';
import type { ManagedSessionStore } from './managed-session-store.js';
import { MemorySessionStore } from './memory-session.store.js';
import { RedisSessionStore } from './redis-session.store.js';
import { SqliteSessionStore } from './sqlite-session.store.js';
import { redisForTests, uniquePrefix } from './testing/services.js';
import { sessionData, storeCalls } from './testing/store-calls.js';

const lifetime = new SessionLifetime({
  idleTimeout: 60,
  rememberMaxAge: 3600,
  absoluteTimeout: 86_400,
});

const owned = (owner: string, handle: string, lastSeen = Date.now()) =>
  sessionData({
    owner,
    handle,
    createdAt: lastSeen,
    lastSeen,
    device: { userAgent: 'UA', ip: '127.0.0.1' },
  });

const redisUrl = await redisForTests();

const stores: [string, (dir: string) => Promise<ManagedSessionStore>][] = [
  ['MemorySessionStore', async () => new MemorySessionStore(lifetime)],
  ['SqliteSessionStore', (dir) => SqliteSessionStore.open(join(dir, 'sessions.db'), lifetime)],
];
if (redisUrl) {
  stores.push([
    'RedisSessionStore',
    (dir) =>
      RedisSessionStore.open({ url: redisUrl, prefix: uniquePrefix(dir.slice(-6)) }, lifetime),
  ]);
}

describe.each(stores)('%s (the rules every store keeps)', (_name, open) => {
  let dir: string;
  let sut: ManagedSessionStore;
  let calls: ReturnType<typeof storeCalls>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nsa-contract-'));
    sut = await open(dir);
    calls = storeCalls(sut);
  });

  afterEach(async () => {
    await storeCalls(sut).clear();
    await sut.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores and loads a session', async () => {
    await calls.set('a', sessionData({ lastSeen: Date.now(), handle: 'h' }));
    expect(await calls.load('a')).toMatchObject({ handle: 'h', cookie: { path: '/' } });
  });

  it('never writes back a session that was destroyed after it was loaded', async () => {
    await calls.set('a', sessionData({ lastSeen: Date.now() }));
    const loaded = (await calls.load('a'))!;
    await calls.destroy('a');
    loaded.lastSeen = Date.now() + 1;
    await calls.set('a', loaded);
    expect(await calls.get('a')).toBeNull();
  });

  it('keeps both writes of two requests that loaded the same session in parallel', async () => {
    await calls.set('a', sessionData({ lastSeen: Date.now() }));
    const first = (await calls.load('a')) as unknown as Record<string, unknown>;
    const second = (await calls.load('a')) as unknown as Record<string, unknown>;
    first.theme = 'dark';
    second.cart = { x: 'apple' };
    await calls.set('a', first as never);
    await calls.set('a', second as never);
    expect(await calls.get('a')).toMatchObject({ theme: 'dark', cart: { x: 'apple' } });
  });

  it('keeps every one of 20 parallel additions to one object', async () => {
    await calls.set('a', sessionData({ lastSeen: Date.now() }));
    const requests = await Promise.all(Array.from({ length: 20 }, () => calls.load('a')));
    await Promise.all(
      requests.map((session, i) => {
        (session as unknown as Record<string, unknown>).cart = { [`item${i}`]: i };
        return calls.set('a', session!);
      }),
    );
    const cart = ((await calls.get('a')) as unknown as { cart: Record<string, number> }).cart;
    expect(Object.keys(cart)).toHaveLength(20);
  });

  it('expires a browser session after the idle timeout, not after a fixed day', async () => {
    const now = Date.now();
    await calls.set('idle', sessionData({ createdAt: now - 120_000, lastSeen: now - 61_000 }));
    await calls.set('active', sessionData({ createdAt: now - 120_000, lastSeen: now - 30_000 }));
    expect(await calls.get('idle')).toBeNull();
    expect(await calls.get('active')).not.toBeNull();
  });

  it("lists only the owner's live sessions, most recent first, without session ids", async () => {
    await calls.set('s1', owned('ann', 'h1', Date.now() - 10_000));
    await calls.set('s2', owned('ann', 'h2'));
    await calls.set('s3', owned('bob', 'h3'));
    await calls.set('s4', owned('ann', 'h4', Date.now() - 120_000)); // idle-expired
    const list = await sut.listOwned('ann');
    expect(list.map((s) => s.handle)).toEqual(['h2', 'h1']);
    expect(list[0]).toEqual({
      handle: 'h2',
      createdAt: expect.any(Number),
      lastSeen: expect.any(Number),
      userAgent: 'UA',
      ip: '127.0.0.1',
    });
    expect(JSON.stringify(list)).not.toMatch(/s1|s2/);
  });

  it("revokes one session by handle, never another owner's", async () => {
    await calls.set('s1', owned('ann', 'h1'));
    await calls.set('s2', owned('bob', 'h2'));
    expect(await sut.destroyOwned('ann', { handle: 'h2' })).toBe(0);
    expect(await calls.get('s2')).not.toBeNull();
    expect(await sut.destroyOwned('ann', { handle: 'h1' })).toBe(1);
    expect(await calls.get('s1')).toBeNull();
  });

  it('ends all but one of an owner’s sessions', async () => {
    for (const n of [1, 2, 3]) await calls.set(`s${n}`, owned('ann', `h${n}`));
    expect(await sut.destroyOwned('ann', { exceptHandle: 'h2' })).toBe(2);
    expect((await sut.listOwned('ann')).map((s) => s.handle)).toEqual(['h2']);
  });

  it('purges expired sessions and keeps the owner index consistent', async () => {
    await calls.set('old', owned('ann', 'h1', Date.now() - 120_000));
    await calls.set('live', owned('ann', 'h2'));
    await sut.purgeExpired(); // Redis expires keys itself, so this may have nothing left to do
    expect(await calls.length()).toBe(1);
    expect((await sut.listOwned('ann')).map((s) => s.handle)).toEqual(['h2']);
    expect(await sut.destroyOwned('ann', {})).toBe(1);
  });

  it('does not write a session object again when nothing changed', async () => {
    await calls.set('a', sessionData({ lastSeen: Date.now() }));
    const loaded = (await calls.load('a'))!;
    const other = (await calls.load('a'))!;
    await calls.set('a', loaded); // unchanged: no write, so no conflict for the other request
    other.lastSeen = Date.now() + 5;
    await calls.set('a', other);
    expect((await calls.get('a'))?.lastSeen).toBe(other.lastSeen);
  });
});
