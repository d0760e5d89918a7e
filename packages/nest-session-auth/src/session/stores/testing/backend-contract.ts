import { SessionLifetime } from '../../session-lifetime.js';
import type { ManagedSessionStore } from '../managed-session-store.js';
import { RevisionedSessionStore } from '../revisioned-session.store.js';
import type { SessionBackend } from '../session-backend.js';
import { sessionData, storeCalls } from './store-calls.js';

/** The assertions the contract uses; vitest's and jest's `expect` both have them. */
interface Assertion {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeNull(): void;
  toMatch(expected: RegExp): void;
  toMatchObject(expected: object): void;
  toHaveLength(length: number): void;
  not: Assertion;
}

/** The test functions of vitest or jest (their globals, unless given). */
export interface TestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>): void;
  beforeEach(body: () => Promise<void>): void;
  afterEach(body: () => Promise<void>): void;
  expect(actual: unknown): Assertion;
}

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

/**
 * The rules every session backend must keep, as a test suite: call it in a spec with a
 * function that opens a fresh, empty backend. Each test runs it under the store core, as
 * SessionModule does, then clears and closes it.
 * @example describeSessionBackend('MyBackend', async () => new MyBackend(), { describe, it, expect, beforeEach, afterEach });
 */
export function describeSessionBackend(
  name: string,
  open: () => Promise<SessionBackend>,
  api: TestApi = globalThis as unknown as TestApi,
): void {
  const { describe, it, beforeEach, afterEach, expect } = api;
  describe(`${name} (the rules every session backend keeps)`, () => {
    let sut: ManagedSessionStore;
    let calls: ReturnType<typeof storeCalls>;

    beforeEach(async () => {
      sut = new RevisionedSessionStore({ backend: await open(), lifetime });
      calls = storeCalls(sut);
    });

    afterEach(async () => {
      await sut.backend.clear();
      await sut.close();
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
      const { createdAt, lastSeen, ...rest } = list[0];
      expect([typeof createdAt, typeof lastSeen]).toEqual(['number', 'number']);
      expect(rest).toEqual({ handle: 'h2', userAgent: 'UA', ip: '127.0.0.1' });
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

    it('counts attempts per key, whatever the key holds (a NUL included)', async () => {
      const counter = sut.attemptCounter({ name: 'contract', points: 2, duration: 60 });
      await counter.consume('name\u0000127.0.0.1');
      expect((await counter.consume('name\u0000127.0.0.1')).remainingPoints).toBe(0);
      expect(await counter.get('name\u0000127.0.0.2')).toBeNull();
    });

    it('updates only at the revision given, and a stale update changes nothing', async () => {
      const record = {
        json: '{"a":1}',
        expires: Date.now() + 60_000,
        owner: null,
        handle: null,
        createdAt: null,
        lastSeen: null,
        userAgent: null,
        ip: null,
      };
      await sut.backend.insert('r', record);
      expect(await sut.backend.update('r', { ...record, json: '{"a":2}' }, 1)).toBe(true);
      expect(await sut.backend.update('r', { ...record, json: '{"a":3}' }, 1)).toBe(false);
      expect(await sut.backend.update('gone', record, 1)).toBe(false);
      expect(await sut.backend.read('r', { retry: true })).toMatchObject({
        json: '{"a":2}',
        rev: 2,
      });
    });
  });
}
