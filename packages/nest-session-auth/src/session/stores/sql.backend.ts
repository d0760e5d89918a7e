import {
  PURGE_ATTEMPT_COUNTS,
  SqlAttemptCounter,
  type CountQuery,
} from '../../database/sql-attempt-counter.js';
import type { SqlParams } from '../../database/sqlite-database.js';
import type {
  AttemptCounterOptions,
  OwnedSelector,
  RetryHint,
  SessionBackend,
  SessionRecord,
  SessionSummary,
  StoredSession,
} from './session-backend.js';
import { recordValues } from './session-backend.js';

const PURGE_BATCH = 250;
const PURGE_SELECT = 'SELECT sid FROM sessions WHERE expired <= ? LIMIT ?';

const RECORD = 'sess, expired, owner, handle, created_at, last_seen, user_agent, ip';

/**
 * The statements of a sessions table, written once in the SQL that SQLite and PostgreSQL share
 * (`?` placeholders; the PostgreSQL backend numbers them). `expired` is epoch ms, under
 * connect-sqlite3's name for it. `owner` is the per-user index: listing or ending a user's
 * sessions reads only their rows, and it stays right through expiry, purge and sign-out
 * because it is the same row.
 */
export const SESSION_SQL = {
  read: 'SELECT sid AS key, sess AS json, rev, expired AS expires FROM sessions WHERE sid',
  insert: `INSERT INTO sessions (sid, rev, ${RECORD}) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (sid) DO UPDATE SET rev = 1, ${RECORD.split(', ')
      .map((column) => `${column} = excluded.${column}`)
      .join(', ')}`,
  update: `UPDATE sessions SET rev = rev + 1, sess = ?, expired = ?, owner = ?, handle = ?,
    created_at = ?, last_seen = ?, user_agent = ?, ip = ? WHERE sid = ? AND rev = ?`,
  listOwned: `SELECT handle, created_at AS "createdAt", last_seen AS "lastSeen",
    user_agent AS "userAgent", ip FROM sessions WHERE owner = ? AND expired > ?`,
  removeOwned: `DELETE FROM sessions WHERE owner = ?
    AND (CAST(? AS TEXT) IS NULL OR handle = ?) AND (CAST(? AS TEXT) IS NULL OR handle IS DISTINCT FROM ?)`,
  count: 'SELECT CAST(COUNT(*) AS INTEGER) AS count FROM sessions WHERE expired > ?',
};

/**
 * A sessions table: every operation but how a statement reaches the database, which the
 * SQLite and PostgreSQL backends each say. Writes resolve once durable.
 */
export abstract class SqlBackend implements SessionBackend {
  protected closed = false;

  /** The session; `retry` marks the read of a save that lost a race. */
  abstract read(sid: string, hint?: RetryHint): Promise<StoredSession | undefined>;
  abstract close(): Promise<void>;
  /** Rows of a read. */
  protected abstract query<Row>(sql: string, params: SqlParams): Promise<Row[]>;
  /** A write; resolves to the rows it changed once they are durable. */
  protected abstract write(sql: string, params: SqlParams, hint?: RetryHint): Promise<number>;
  /** One batch of the purge: `DELETE … WHERE sid IN (` + the select given + `)`. */
  protected abstract purgeBatch(select: string, params: SqlParams): Promise<number>;
  /** Where the attempt counts are read and written. */
  protected abstract countQuery: CountQuery;

  async insert(sid: string, r: SessionRecord): Promise<void> {
    await this.write(SESSION_SQL.insert, [sid, ...recordValues(r)]);
  }

  async update(sid: string, r: SessionRecord, rev: number, hint?: RetryHint): Promise<boolean> {
    return (await this.write(SESSION_SQL.update, [...recordValues(r), sid, rev], hint)) === 1;
  }

  async remove(sid: string): Promise<void> {
    await this.write('DELETE FROM sessions WHERE sid = ?', [sid]);
  }

  listOwned(owner: string, now: number): Promise<SessionSummary[]> {
    return this.query<SessionSummary>(SESSION_SQL.listOwned, [owner, now]);
  }

  removeOwned(owner: string, { handle, exceptHandle }: OwnedSelector): Promise<number> {
    const [only, except] = [handle ?? null, exceptHandle ?? null];
    return this.write(SESSION_SQL.removeOwned, [owner, only, only, except, except]);
  }

  /**
   * Deletes in small batches, so requests' writes wait for one batch at most and another
   * instance purging the same table interleaves with this one.
   */
  async purgeExpired(now: number): Promise<number> {
    let purged = 0;
    while (!this.closed) {
      const batch = await this.purgeBatch(PURGE_SELECT, [now, PURGE_BATCH]);
      purged += batch;
      if (batch < PURGE_BATCH) break;
      // Lets the writes waiting for the lock through between two batches.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await this.countQuery(PURGE_ATTEMPT_COUNTS, [now]);
    return purged;
  }

  async count(now: number): Promise<number> {
    const [row] = await this.query<{ count: number }>(SESSION_SQL.count, [now]);
    return row.count;
  }

  async clear(): Promise<void> {
    await this.write('DELETE FROM sessions', []);
  }

  /** Counts in the `attempt_counts` table, beside the sessions; expired ones go with the purge. */
  attemptCounter({ name, points, duration }: AttemptCounterOptions): SqlAttemptCounter {
    return new SqlAttemptCounter(this.countQuery, { keyPrefix: name, points, duration });
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', []);
  }
}
