import { describe, expect, it } from 'vitest';
import { watchStoreCalls } from './store-calls.js';

/** A store whose methods answer the ways real ones do: callbacks, promises, both, or throwing. */
class FakeStore {
  readonly sessions = new Map<string, unknown>([['a', { n: 1 }]]);

  get(sid: string, callback: (error: unknown, session?: unknown) => void): void {
    setImmediate(() => callback(null, this.sessions.get(sid)));
  }

  destroy(_sid: string, callback: (error?: unknown) => void): void {
    setImmediate(() => callback(new Error('disk I/O error')));
  }

  async length(callback: (error: unknown, length?: number) => void): Promise<void> {
    callback(null, this.sessions.size);
  }

  async ping(): Promise<void> {
    throw new Error('closed');
  }

  async purgeExpired(): Promise<number> {
    return 2;
  }

  touch(): void {
    throw new Error('not connected');
  }
}

function watched() {
  const sut = new FakeStore();
  const calls: string[] = [];
  watchStoreCalls(sut, (operation) => {
    calls.push(`${operation} started`);
    return (error) =>
      calls.push(`${operation} ended${error ? `: ${(error as Error).message}` : ''}`);
  });
  return { sut, calls };
}

describe(watchStoreCalls.name, () => {
  it('sees callback calls end when they call back, with their results passed through', async () => {
    const { sut, calls } = watched();
    const session = await new Promise((resolve) => sut.get('a', (_error, found) => resolve(found)));
    expect(session).toEqual({ n: 1 });
    expect(calls).toEqual(['get started', 'get ended']);
  });

  it('passes errors through and reports them', async () => {
    const { sut, calls } = watched();
    const error = await new Promise((resolve) => sut.destroy('a', resolve));
    expect(error).toEqual(new Error('disk I/O error'));
    expect(calls).toEqual(['destroy started', 'destroy ended: disk I/O error']);
  });

  it('sees promise calls end when they settle, and leaves the promise to the caller', async () => {
    const { sut, calls } = watched();
    await expect(sut.purgeExpired()).resolves.toBe(2);
    await expect(sut.ping()).rejects.toThrow('closed');
    expect(calls).toEqual([
      'purgeExpired started',
      'purgeExpired ended',
      'ping started',
      'ping ended: closed',
    ]);
  });

  it('reports a call that takes a callback and returns a promise once, and a throwing call', async () => {
    const { sut, calls } = watched();
    const length = await new Promise((resolve) => void sut.length((_error, n) => resolve(n)));
    expect(length).toBe(1);
    expect(() => sut.touch()).toThrow('not connected');
    expect(calls).toEqual([
      'length started',
      'length ended',
      'touch started',
      'touch ended: not connected',
    ]);
  });
});
