import { RateLimiterSQLite } from 'rate-limiter-flexible';
import type { SqliteDatabase } from './sqlite-database.js';

/** The table every SQLite attempt counter keeps its counts in, told apart by key prefix. */
export const ATTEMPT_COUNTS_TABLE = 'attempt_counts';

/** rate-limiter-flexible's schema for it; expired counts are deleted by the session purge. */
export const ATTEMPT_COUNTS_SCHEMA = `CREATE TABLE IF NOT EXISTS ${ATTEMPT_COUNTS_TABLE} (
  key TEXT PRIMARY KEY,
  points INTEGER NOT NULL DEFAULT 0,
  expire INTEGER
);
CREATE INDEX IF NOT EXISTS ${ATTEMPT_COUNTS_TABLE}_expire ON ${ATTEMPT_COUNTS_TABLE} (expire);`;

interface Sqlite3Handle {
  get(sql: string, params: unknown[], callback: (error: Error | null, row: unknown) => void): void;
}

/**
 * RateLimiterSQLite that runs its upsert as the single statement it is (atomic on its own).
 * The original wraps it in a savepoint that it rolls back to, but never releases, when the
 * upsert fails: the connection's transaction would stay open and hold the write lock.
 */
export class SqliteRateLimiter extends RateLimiterSQLite {
  constructor(
    database: SqliteDatabase,
    options: { keyPrefix: string; points: number; duration: number },
  ) {
    super({
      ...options,
      storeClient: database.handle,
      tableName: ATTEMPT_COUNTS_TABLE,
      tableCreated: true,
    });
  }

  /** Overrides rate-limiter-flexible 11's internal step; its spec fails if that step is renamed. */
  _upsertTransactionSQLite3(
    conn: Sqlite3Handle,
    query: string,
    params: unknown[],
  ): Promise<unknown> {
    return new Promise((resolve, reject) =>
      conn.get(query, params, (error, row) => (error ? reject(error) : resolve(row))),
    );
  }
}
