import sqlite3 from 'sqlite3';
import { createPrivateFile } from './private-file.js';

export interface RunResult {
  changes: number;
  lastID: number;
}

export type SqlParams = ReadonlyArray<string | number | bigint | null>;

/** SQLite's names for databases that are not files: a temporary one, and one in memory. */
const NOT_FILES = new Set(['', ':memory:']);

/**
 * One owned node-sqlite3 connection, configured for durability and for two processes on one
 * file, with a promise API and a cache of prepared statements (preparing is most of the cost
 * of a one-row query).
 */
export class SqliteDatabase {
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>();

  private constructor(
    readonly handle: sqlite3.Database,
    readonly file: string,
  ) {}

  /** Opens (creating if needed) and configures the file; rejects with the path in the message. */
  static async open(file: string, onError: (error: Error) => void): Promise<SqliteDatabase> {
    // Made 0600 before SQLite opens it: SQLite gives its -wal, -shm and -journal files its mode.
    if (!NOT_FILES.has(file)) {
      await createPrivateFile(file).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot open SQLite database ${file}: ${error.code ?? error.message}`);
      });
    }
    const handle = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db: sqlite3.Database = new sqlite3.Database(file, (error) =>
        error
          ? reject(new Error(`cannot open SQLite database ${file}: ${error.message}`))
          : resolve(db),
      );
    });
    // Errors of statements run without a callback are emitted here; unheard, they would crash.
    handle.on('error', onError);
    // Another instance may hold the write lock for a moment: wait instead of failing with SQLITE_BUSY.
    handle.configure('busyTimeout', 5000);
    const database = new SqliteDatabase(handle, file);
    // WAL lets readers and one writer work at once, across processes; FULL syncs every commit so
    // an acknowledged write survives power loss, not only a process crash.
    await database.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;',
    );
    return database;
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.handle.exec(sql, (error) => (error ? reject(error) : resolve())),
    );
  }

  async run(sql: string, params: SqlParams = []): Promise<RunResult> {
    const statement = await this.prepared(sql);
    return new Promise((resolve, reject) =>
      statement.run(params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve({ changes: this.changes, lastID: this.lastID });
      }),
    );
  }

  /** Reads run to completion (`all`), so no statement is left holding a read transaction open. */
  async all<Row>(sql: string, params: SqlParams = []): Promise<Row[]> {
    const statement = await this.prepared(sql);
    return new Promise((resolve, reject) =>
      statement.all(params, (error: Error | null, rows: Row[]) =>
        error ? reject(error) : resolve(rows),
      ),
    );
  }

  async get<Row>(sql: string, params: SqlParams = []): Promise<Row | undefined> {
    return (await this.all<Row>(sql, params))[0];
  }

  async close(): Promise<void> {
    const prepared = await Promise.allSettled(this.statements.values());
    for (const result of prepared) if (result.status === 'fulfilled') await finalize(result.value);
    this.statements.clear();
    await new Promise<void>((resolve, reject) =>
      this.handle.close((error) => (error ? reject(error) : resolve())),
    );
  }

  /** A statement whose prepare failed never calls back its queued runs, so wait for prepare first. */
  private prepared(sql: string): Promise<sqlite3.Statement> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = new Promise((resolve, reject) => {
        const prepared: sqlite3.Statement = this.handle.prepare(sql, (error) => {
          if (!error) return resolve(prepared);
          this.statements.delete(sql);
          reject(error);
        });
      });
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

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

/** Keys per query; larger batches take several. Powers of two up to it keep few statements prepared. */
const MAX_KEYS_PER_READ = 64;

interface PendingRead<Row> {
  resolve: (row: Row | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Reads rows by key, batched: the keys asked for in one turn of the event loop are read by one
 * `SELECT … IN (…)`. Every query is a trip to the thread pool and back into the event loop;
 * under load, a page view's session read then shares its trip with the others arriving at the
 * same time instead of paying one of its own (measured: about +45% signed-in pages per second).
 */
export class BatchedReader<Row> {
  private pending?: Map<string, PendingRead<Row>[]>;

  /**
   * `select` names the columns, which must include the key as `key`, and ends with the
   * condition on the key, `… WHERE sid IN`; the reader adds the list.
   */
  constructor(
    private readonly database: SqliteDatabase,
    private readonly select: string,
  ) {}

  get(key: string): Promise<Row | undefined> {
    return new Promise((resolve, reject) => {
      if (!this.pending) {
        this.pending = new Map();
        // After the poll phase: every request parsed in this turn has asked by then.
        setImmediate(() => this.flush());
      }
      const waiting = this.pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
    });
  }

  private flush(): void {
    const pending = this.pending ?? new Map<string, PendingRead<Row>[]>();
    this.pending = undefined;
    const keys = [...pending.keys()];
    for (let start = 0; start < keys.length; start += MAX_KEYS_PER_READ) {
      const chunk = keys.slice(start, start + MAX_KEYS_PER_READ);
      const settle = (answer: (read: PendingRead<Row>, key: string) => void) => {
        for (const key of chunk) for (const read of pending.get(key) ?? []) answer(read, key);
      };
      this.read(chunk).then(
        (rows) => settle((read, key) => read.resolve(rows.get(key))),
        (error: unknown) => settle((read) => read.reject(error)),
      );
    }
  }

  private async read(keys: string[]): Promise<Map<string, Row>> {
    let size = 1;
    while (size < keys.length) size *= 2;
    // Padding with NULL, which matches no key, keeps one prepared statement per size.
    const params = [...keys, ...Array<null>(size - keys.length).fill(null)];
    const rows = await this.database.all<Row & { key: string }>(
      `${this.select} (${Array(size).fill('?').join(', ')})`,
      params,
    );
    return new Map(rows.map((row) => [row.key, row]));
  }
}

function finalize(statement: sqlite3.Statement): Promise<void> {
  return new Promise((resolve) => statement.finalize(() => resolve()));
}
