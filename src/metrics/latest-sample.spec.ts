import { describe, expect, it } from 'vitest';
import { LatestSample } from './latest-sample.js';

function counted(values: (number | Error)[]) {
  let now = 0;
  const reads: (() => void)[] = [];
  const sut = new LatestSample(
    () =>
      new Promise<number>((resolve, reject) => {
        const next = values.shift()!;
        reads.push(() => (next instanceof Error ? reject(next) : resolve(next)));
      }),
    30_000,
    () => now,
  );
  return {
    sut,
    reads,
    later: (ms: number) => (now += ms),
    /** Lets the oldest read still pending answer. */
    answer: async () => {
      reads.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe(LatestSample.name, () => {
  it('waits for the first read only, then answers at once and reads again at most every 30 s', async () => {
    const { sut, reads, later, answer } = counted([3, 7]);
    const first = sut.current();
    await answer();
    expect(await first).toBe(3);

    later(29_999);
    expect(await sut.current()).toBe(3);
    expect(reads).toHaveLength(0);

    later(1);
    expect(await sut.current()).toBe(3); // the read of 7 has started, not finished
    expect(await sut.current()).toBe(3); // and is not started twice
    expect(reads).toHaveLength(1);
    await answer();
    expect(await sut.current()).toBe(7);
  });

  it('keeps the last value when a read fails, and tries again 30 s later', async () => {
    const { sut, later, answer } = counted([3, new Error('store down'), 5]);
    const first = sut.current();
    await answer();
    await first;
    later(30_000);
    void sut.current();
    await answer();
    expect(await sut.current()).toBe(3);
    later(30_000);
    void sut.current();
    await answer();
    expect(await sut.current()).toBe(5);
  });
});
