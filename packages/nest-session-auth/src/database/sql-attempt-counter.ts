import { createRequire } from 'node:module';
import { RateLimiterRes, type RateLimiterStoreAbstract as StoreBase } from 'rate-limiter-flexible';
import type { SqliteDatabase, SqlParams } from './sqlite-database.js';

/**
 * The base class of every rate-limiter-flexible store. Its types are declared, but the package
 * exports the class only by path; this spec's import fails on an upgrade that moves it.
 */
const RateLimiterStoreAbstract = createRequire(import.meta.url)(
  'rate-limiter-flexible/lib/RateLimiterStoreAbstract.js',
) as typeof StoreBase;

/** rate-limiter-flexible's table for counts, plus an index for the purge; SQLite and PostgreSQL. */
export const ATTEMPT_COUNTS_TABLE = [
  'CREATE TABLE IF NOT EXISTS attempt_counts (key TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire BIGINT)',
  'CREATE INDEX IF NOT EXISTS attempt_counts_expire ON attempt_counts (expire)',
];

export const PURGE_ATTEMPT_COUNTS = 'DELETE FROM attempt_counts WHERE expire <= ?';

/** Runs one statement (`?` placeholders) and resolves to the rows it returns. */
export type CountQuery = <Row>(sql: string, params: SqlParams) => Promise<Row[]>;

/** A count as an upsert returns it. */
interface Count {
  points: number;
  expire: number | null;
}

/**
 * A rate-limiter-flexible store (the `_upsert`, `_get`, `_delete` and `_getRateLimiterRes` hooks
 * every store implements) on the `attempt_counts` table, in the SQL SQLite and PostgreSQL share.
 * Not RateLimiterSQLite: it runs ad-hoc statements on the raw handle in parallel, finalized on
 * the main thread, and a failed upsert leaves its savepoint's transaction open.
 */
export class SqlAttemptCounter extends RateLimiterStoreAbstract {
  constructor(
    private readonly query: CountQuery,
    options: { keyPrefix: string; points: number; duration: number },
  ) {
    super({ ...options, storeClient: query });
  }

  /** PostgreSQL text cannot hold NUL, which the auth limits put between a name and an address. */
  override getKey(key: string | number): string {
    return super.getKey(String(key).replaceAll('\\', '\\\\').replaceAll('\0', '\\0'));
  }

  /** Adds `points` to the key's count (a new window once the old one is over), or sets it. */
  async _upsert(key: string, points: number, msDuration: number, forceExpire = false) {
    const now = Date.now();
    const expire = msDuration > 0 ? now + msDuration : null;
    const keep = 'attempt_counts.expire IS NULL OR attempt_counts.expire > ?';
    const [count] = await this.query<Count>(
      `INSERT INTO attempt_counts (key, points, expire) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET ${
         forceExpire
           ? 'points = excluded.points, expire = excluded.expire'
           : `points = CASE WHEN ${keep} THEN attempt_counts.points + excluded.points ELSE excluded.points END,
              expire = CASE WHEN ${keep} THEN attempt_counts.expire ELSE excluded.expire END`
       }
       RETURNING points, expire`,
      forceExpire ? [key, points, expire] : [key, points, expire, now, now],
    );
    return count;
  }

  async _get(key: string): Promise<Count | null> {
    const [count] = await this.query<Count>(
      'SELECT points, expire FROM attempt_counts WHERE key = ? AND (expire > ? OR expire IS NULL)',
      [key, Date.now()],
    );
    return count ?? null;
  }

  async _delete(key: string): Promise<boolean> {
    const gone = await this.query('DELETE FROM attempt_counts WHERE key = ? RETURNING key', [key]);
    return gone.length > 0;
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

/**
 * Statements on `db` one at a time, so at most one libuv thread ever waits for its file's lock.
 * For SQLite counts in a file of their own: sharing the sessions file, each count would wait for
 * the write lock of a group commit in a busy handler that holds a libuv thread; under a flood
 * those waits filled the pool until the commit itself could not run, and the server hung.
 */
export function oneAtATime(db: SqliteDatabase): { query: CountQuery; close(): Promise<void> } {
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = tail.then(operation, operation);
    tail = result.catch(() => undefined);
    return result;
  };
  return {
    query: <Row>(sql: string, params: SqlParams) => serial(() => db.all<Row>(sql, params)),
    close: () => serial(() => db.close()),
  };
}
