import { createRequire } from 'node:module';
import { RateLimiterRes, type RateLimiterStoreAbstract as StoreBase } from 'rate-limiter-flexible';
import { migrate } from './migrations.js';
import type { SqliteDatabase } from './sqlite-database.js';

/**
 * The base class of every rate-limiter-flexible store. Its types are declared, but the package
 * exports the class only by path; this spec's import fails on an upgrade that moves it.
 */
const RateLimiterStoreAbstract = createRequire(import.meta.url)(
  'rate-limiter-flexible/lib/RateLimiterStoreAbstract.js',
) as typeof StoreBase;

const TABLE = 'attempt_counts';

/** rate-limiter-flexible's schema, plus an index for the purge. */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire INTEGER);
   CREATE INDEX IF NOT EXISTS ${TABLE}_expire ON ${TABLE} (expire);`,
];

/** The row an upsert returns, as RateLimiterSQLite reads it. */
interface Count {
  points: number;
  expire: number | null;
}

/**
 * Attempt counts in a SQLite file of their own (beside the sessions file), on one connection
 * that runs one statement at a time. Sharing the sessions file, each count would wait for the
 * write lock of a group commit in a busy handler that holds a libuv thread; under a flood those
 * waits filled the pool until the commit itself could not run, and the server hung.
 */
export class SqliteAttemptCounts {
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(private readonly db: SqliteDatabase) {}

  /** Takes an open connection (closed by `close`), migrates it, and skips the fsync per commit. */
  static async open(db: SqliteDatabase): Promise<SqliteAttemptCounts> {
    // A crash of the process keeps every count (WAL); a power cut may lose the last ones.
    await db.exec('PRAGMA synchronous = NORMAL');
    await migrate(db, SCHEMA);
    return new SqliteAttemptCounts(db);
  }

  limiter(options: { keyPrefix: string; points: number; duration: number }): SqliteRateLimiter {
    return new SqliteRateLimiter(this, options);
  }

  /** Adds `points` to the key's count (starting a new window when the old one is over). */
  upsert(key: string, points: number, expire: number | null, now: number): Promise<Count> {
    return this.serial(async () => {
      const row = await this.db.get<Count>(
        `INSERT INTO ${TABLE} (key, points, expire) VALUES (?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET
           points = CASE WHEN expire IS NULL OR expire > ? THEN points + excluded.points ELSE excluded.points END,
           expire = CASE WHEN expire IS NULL OR expire > ? THEN expire ELSE excluded.expire END
         RETURNING points, expire`,
        [key, points, expire, now, now],
      );
      return row!;
    });
  }

  /** Sets the key's count and window outright. */
  replace(key: string, points: number, expire: number | null): Promise<Count> {
    return this.serial(async () => {
      const row = await this.db.get<Count>(
        `INSERT OR REPLACE INTO ${TABLE} (key, points, expire) VALUES (?, ?, ?) RETURNING points, expire`,
        [key, points, expire],
      );
      return row!;
    });
  }

  read(key: string, now: number): Promise<Count | undefined> {
    return this.serial(() =>
      this.db.get<Count>(
        `SELECT points, expire FROM ${TABLE} WHERE key = ? AND (expire > ? OR expire IS NULL)`,
        [key, now],
      ),
    );
  }

  remove(key: string): Promise<boolean> {
    return this.serial(async () => {
      const { changes } = await this.db.run(`DELETE FROM ${TABLE} WHERE key = ?`, [key]);
      return changes > 0;
    });
  }

  /** Deletes counts whose window is over; returns how many went. */
  purgeExpired(now: number): Promise<number> {
    return this.serial(async () => {
      const { changes } = await this.db.run(`DELETE FROM ${TABLE} WHERE expire <= ?`, [now]);
      return changes;
    });
  }

  close(): Promise<void> {
    return this.serial(() => this.db.close());
  }

  /** One statement at a time, so at most one libuv thread ever waits for this file's lock. */
  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.tail.then(operation, operation);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * A rate-limiter-flexible store (the `_upsert`, `_get`, `_delete` and `_getRateLimiterRes` hooks
 * every store implements) on `SqliteAttemptCounts`. Not RateLimiterSQLite: it runs ad-hoc
 * statements on the raw handle in parallel, finalized on the main thread, and a failed upsert
 * leaves its savepoint's transaction open, holding the write lock.
 */
export class SqliteRateLimiter extends RateLimiterStoreAbstract {
  constructor(
    private readonly counts: SqliteAttemptCounts,
    options: { keyPrefix: string; points: number; duration: number },
  ) {
    super({ ...options, storeClient: counts });
  }

  _upsert(key: string, points: number, msDuration: number, forceExpire = false): Promise<Count> {
    const now = Date.now();
    const expire = msDuration > 0 ? now + msDuration : null;
    return forceExpire
      ? this.counts.replace(key, points, expire)
      : this.counts.upsert(key, points, expire, now);
  }

  async _get(key: string): Promise<Count | null> {
    return (await this.counts.read(key, Date.now())) ?? null;
  }

  _delete(key: string): Promise<boolean> {
    return this.counts.remove(key);
  }

  /** As RateLimiterSQLite reads a count. */
  _getRateLimiterRes(_key: string, changedPoints: number, count: Count): RateLimiterRes {
    const isFirstInDuration = changedPoints === count.points;
    const consumedPoints = isFirstInDuration ? changedPoints : count.points;
    return new RateLimiterRes(
      Math.max(this.points - consumedPoints, 0),
      count.expire ? Math.max(count.expire - Date.now(), 0) : -1,
      consumedPoints,
      isFirstInDuration,
    );
  }
}
