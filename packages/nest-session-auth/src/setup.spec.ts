import type { INestApplication } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setupSessionAuth } from './setup.js';

/** Just enough of a NestExpressApplication for setupSessionAuth, with the close given. */
const fakeApp = (close: () => Promise<void>) =>
  ({
    engine: vi.fn<() => void>(),
    setViewEngine: vi.fn<() => void>(),
    setBaseViewsDir: vi.fn<() => void>(),
    useStaticAssets: vi.fn<() => void>(),
    close,
  }) as unknown as INestApplication;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/** The test runner's own signal listeners, which must stay. */
const runnerListeners = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));

async function exitCodeOnSigterm(close: () => Promise<void>): Promise<unknown> {
  const exited = new Promise((resolve) =>
    vi.spyOn(process, 'exit').mockImplementation(((code: number) => resolve(code)) as never),
  );
  setupSessionAuth(fakeApp(close));
  // Only the listener added, not the runner's own: as if SIGTERM arrived.
  const added = process
    .listeners('SIGTERM')
    .filter((listener) => !runnerListeners.get('SIGTERM')!.includes(listener));
  expect(added).toHaveLength(1);
  added[0]('SIGTERM');
  return exited;
}

describe(setupSessionAuth.name, () => {
  afterEach(() => {
    vi.restoreAllMocks();
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!runnerListeners.get(signal)!.includes(listener)) process.off(signal, listener);
      }
    }
  });

  it('exits 0 on SIGTERM once the app has closed', async () => {
    const close = vi.fn<() => Promise<void>>(() => Promise.resolve());
    expect(await exitCodeOnSigterm(close)).toBe(0);
    expect(close).toHaveBeenCalledOnce();
  });

  it('exits 1 with one line naming the failure when closing fails', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await exitCodeOnSigterm(() => Promise.reject(new Error('store stuck')))).toBe(1);
    expect(logged).toHaveBeenCalledWith('shutdown failed: Error: store stuck');
  });

  it('leaves signals alone with closeOnSignals: false', () => {
    setupSessionAuth(
      fakeApp(() => Promise.resolve()),
      { closeOnSignals: false },
    );
    expect(process.listeners('SIGTERM')).toEqual(runnerListeners.get('SIGTERM'));
  });
});
