import type { RunResult, SqlParams, SqliteDatabase } from './sqlite-database.js';

/** Bounds how long one batch holds the write lock, which other instances on the file wait for. */
const MAX_BATCH = 256;

interface QueuedWrite {
  sql: string;
  params: SqlParams;
  resolve: (result: RunResult) => void;
  reject: (error: unknown) => void;
}

/** A read taken between two transactions: it sees every write queued before it, and none in flight. */
interface QueuedRead {
  read: true;
  sql: string;
  params: SqlParams;
  resolve: (row: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the writes queued while a transaction is in flight run together in the next
 * one, on a connection of their own, so they share one fsync instead of paying one each. A
 * write resolves only once its COMMIT is durable; a failed COMMIT rejects every write of its
 * transaction, a failed statement only its own write. The connection must serve nothing else:
 * any other statement on it would join an open transaction.
 */
export class GroupCommitWriter {
  private readonly queue: (QueuedWrite | QueuedRead)[] = [];
  private flushing?: Promise<void>;
  private closed = false;

  constructor(private readonly database: SqliteDatabase) {}

  /**
   * Queues a write for the next transaction. `first` puts it at the head of the queue: for a
   * write retried after losing a race, which would otherwise queue behind the newer writes it
   * races against and could lose every time.
   */
  run(sql: string, params: SqlParams = [], { first = false } = {}): Promise<RunResult> {
    return this.enqueue<RunResult>(first, (resolve, reject) => ({ sql, params, resolve, reject }));
  }

  /**
   * Reads one row once the transaction in flight has committed, ahead of the writes queued:
   * the read of a write that lost a race, so that its retry (queued `first`) goes next and does
   * not read a revision that a batch in flight is about to replace.
   */
  readNext<Row>(sql: string, params: SqlParams = []): Promise<Row | undefined> {
    return this.enqueue<Row | undefined>(true, (resolve, reject) => ({
      read: true,
      sql,
      params,
      resolve: (row: unknown) => resolve(row as Row | undefined),
      reject,
    }));
  }

  private enqueue<T>(
    first: boolean,
    step: (
      resolve: (value: T) => void,
      reject: (error: unknown) => void,
    ) => QueuedWrite | QueuedRead,
  ): Promise<T> {
    // The error a closed SqliteDatabase gives, so callers see one error for "closed".
    if (this.closed) return Promise.reject(new Error('SQLITE_MISUSE: Database is closed'));
    return new Promise<T>((resolve, reject) => {
      const queued = step(resolve, reject);
      if (first) this.queue.unshift(queued);
      else this.queue.push(queued);
      this.flushing ??= this.flush();
    });
  }

  /** Settles every queued write, then closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.database.close();
  }

  private async flush(): Promise<void> {
    do {
      // Writes issued in the same turn of the event loop join the batch.
      await new Promise((resolve) => setImmediate(resolve));
      const next = this.queue[0];
      if ('read' in next) {
        this.queue.shift();
        await this.database.get(next.sql, next.params).then(next.resolve, next.reject);
      } else await this.commit(this.takeWrites());
    } while (this.queue.length > 0);
    this.flushing = undefined;
  }

  /** The writes at the head of the queue, up to the first read or MAX_BATCH. */
  private takeWrites(): QueuedWrite[] {
    const end = this.queue.findIndex((step, index) => 'read' in step || index === MAX_BATCH);
    return this.queue.splice(0, end === -1 ? MAX_BATCH : end) as QueuedWrite[];
  }

  private async commit(batch: QueuedWrite[]): Promise<void> {
    if (batch.length === 1) return this.commitAlone(batch[0]);
    let unsettled = batch;
    try {
      await this.database.exec('BEGIN IMMEDIATE');
      const results = await this.runUntilFailure(batch);
      unsettled = [...results.keys()];
      await this.database.exec('COMMIT');
      for (const [write, result] of results) write.resolve(result);
    } catch (error) {
      // Nothing else uses this connection, so whatever transaction is open is this one.
      await this.database.exec('ROLLBACK').catch(() => undefined);
      for (const write of unsettled) write.reject(error);
    }
  }

  /** A write without company commits by itself: one step instead of BEGIN, it, COMMIT. */
  private async commitAlone(write: QueuedWrite): Promise<void> {
    await this.database.run(write.sql, write.params).then(write.resolve, write.reject);
  }

  /**
   * Runs the statements in order. One that fails rejects its own write, but it may have ended
   * the transaction (an I/O error, RAISE(ROLLBACK)), and the statements after it would then
   * commit one by one: so those go back to the head of the queue for the next transaction.
   */
  private async runUntilFailure(batch: QueuedWrite[]): Promise<Map<QueuedWrite, RunResult>> {
    const results = new Map<QueuedWrite, RunResult>();
    for (const [index, write] of batch.entries()) {
      try {
        results.set(write, await this.database.run(write.sql, write.params));
      } catch (error) {
        write.reject(error);
        this.queue.unshift(...batch.slice(index + 1));
        break;
      }
    }
    return results;
  }
}
