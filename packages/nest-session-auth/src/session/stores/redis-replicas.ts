import { withDeadline } from './callback.js';
import type { RedisCommands } from './redis-connection.js';

/**
 * Confirms that writes reached `replicas` replicas, with WAIT. A WAIT covers every earlier write
 * on its connection, so concurrent writes share one: writes that finish while a WAIT is out all
 * join the next, which is sent when that one returns.
 */
export class ReplicaAcks {
  private next?: Promise<void>;
  private current: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly redis: Pick<RedisCommands, 'wait'>,
    private readonly replicas: number,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves once writes already answered are on enough replicas; rejects when they are not in time. */
  confirm(): Promise<void> {
    this.next ??= this.current.then(() => {
      this.next = undefined;
      const wait = this.waitOnce();
      this.current = wait.catch(() => undefined);
      return wait;
    });
    return this.next;
  }

  private async waitOnce(): Promise<void> {
    // Bounded here too: a WAIT lost with its connection must not hold up every later write.
    const wait = this.redis.wait(this.replicas, this.timeoutMs);
    const acked = await withDeadline(wait, this.timeoutMs + 500, 'Redis WAIT');
    if (acked < this.replicas) {
      throw new Error(
        `Redis: a write reached ${acked} of ${this.replicas} replicas within ${this.timeoutMs} ms`,
      );
    }
  }
}
