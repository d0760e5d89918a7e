import { describe, expect, it } from 'vitest';
import { ReplicaAcks } from './redis-replicas.js';

/** A fake WAIT: each call waits until the test answers it with how many replicas acked. */
function fakeWait() {
  const calls: ((acked: number) => void)[] = [];
  const wait = () => new Promise<number>((resolve) => calls.push(resolve));
  return { calls, redis: { wait } };
}

describe(ReplicaAcks.name, () => {
  it('lets the writes that finish while a WAIT is out share the next one', async () => {
    const { calls, redis } = fakeWait();
    const sut = new ReplicaAcks(redis, 1, 1000);
    const first = sut.confirm();
    await Promise.resolve();
    const later = Array.from({ length: 5 }, () => sut.confirm());
    expect(calls).toHaveLength(1);

    calls[0](1);
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(2);
    calls[1](1);
    await Promise.all(later);
    expect(calls).toHaveLength(2);
  });

  it('fails the writes that too few replicas confirmed, and confirms the next ones anew', async () => {
    const { calls, redis } = fakeWait();
    const sut = new ReplicaAcks(redis, 2, 1000);
    const unconfirmed = sut.confirm();
    await Promise.resolve();
    calls[0](1);
    await expect(unconfirmed).rejects.toThrow('a write reached 1 of 2 replicas within 1000 ms');

    const next = sut.confirm();
    await new Promise((resolve) => setImmediate(resolve));
    calls[1](2);
    await expect(next).resolves.toBeUndefined();
  });

  it('does not let a WAIT that never returns hold up the writes after it', async () => {
    const { calls, redis } = fakeWait();
    const sut = new ReplicaAcks(redis, 1, 10);
    await expect(sut.confirm()).rejects.toThrow('Redis WAIT did not answer within 510 ms');
    const next = sut.confirm();
    await new Promise((resolve) => setImmediate(resolve));
    calls[1](1);
    await expect(next).resolves.toBeUndefined();
  });
});
