import { Logger } from '@nestjs/common';
import connectSqlite3 from 'connect-sqlite3';
import session, { type SessionData } from 'express-session';
import type { Request } from 'express';
import { migrate } from '../../database/migrations.js';
import {
  BatchedReader,
  GroupCommitWriter,
  SqliteDatabase,
} from '../../database/sqlite-database.js';
import {
  ATTEMPT_COUNTS_SCHEMA,
  ATTEMPT_COUNTS_TABLE,
  SqliteRateLimiter,
} from '../../database/sqlite-rate-limiter.js';
import type { SessionLifetime } from '../session-lifetime.js';
import { type Callback, settle } from './callback.js';
import type {
  AttemptCounterOptions,
  ManagedSessionStore,
  SessionSummary,
} from './managed-session-store.js';
import {
  SessionPersistence,
  type MergeCheck,
  type SessionBackend,
  type SessionColumns,
  type StoredSession,
} from './session-persistence.js';

/**
 * Typed with the options this file passes, not connect-sqlite3's own option type: that one is
 * declared in src/types (not shipped), and the package's declarations must not name it.
 */
const ConnectSqliteStore: new (options: { table: string; db: object }) => session.Store =
  connectSqlite3(session);
const logger = new Logger('SqliteSessionStore');

/**
 * Typed schema, created before connect-sqlite3's own untyped `CREATE TABLE IF NOT EXISTS`
 * (which then does nothing). `expired` is epoch ms, the unit connect-sqlite3's cleanup uses.
 * `owner` is the per-user index: listing or ending a user's sessions reads only their rows,
 * and it stays right through expiry, purge and sign-out because it is the same row.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS sessions (
     sid TEXT PRIMARY KEY NOT NULL,
     expired INTEGER NOT NULL,
     sess TEXT NOT NULL,
     rev INTEGER NOT NULL DEFAULT 1
   ) WITHOUT ROWID;
   CREATE INDEX IF NOT EXISTS sessions_expired ON sessions (expired);`,
  `ALTER TABLE sessions ADD COLUMN owner TEXT;
   ALTER TABLE sessions ADD COLUMN handle TEXT;
   ALTER TABLE sessions ADD COLUMN created_at INTEGER;
   ALTER TABLE sessions ADD COLUMN last_seen INTEGER;
   ALTER TABLE sessions ADD COLUMN user_agent TEXT;
   ALTER TABLE sessions ADD COLUMN ip TEXT;
   CREATE INDEX sessions_owner ON sessions (owner, last_seen) WHERE owner IS NOT NULL;`,
  ATTEMPT_COUNTS_SCHEMA,
];

const PURGE_BATCH = 250;

const COLUMN_VALUES = (c: SessionColumns) => [
  c.expired,
  c.owner,
  c.handle,
  c.createdAt,
  c.lastSeen,
  c.userAgent,
  c.ip,
];

/**
 * connect-sqlite3, with every data method replaced: its originals call back twice on errors,
 * throw inside async callbacks on corrupt rows and failed queries (crashing the process),
 * keep browser-session rows a fixed 24 h, and upsert (so a session destroyed by sign-out
 * can be written back by a request still in flight, and parallel requests overwrite each
 * other). It keeps its role as the express-session Store base and its schema bootstrap, but it
 * never sees the database handle itself: it gets a facade that reports errors instead of
 * throwing them.
 */
export class SqliteSessionStore
  extends ConnectSqliteStore
  implements ManagedSessionStore, SessionBackend
{
  private readonly persistence: SessionPersistence;
  private readonly liveReads: BatchedReader<StoredSession & { expired: number }>;
  private closed = false;

  // Not `db`: connect-sqlite3 keeps its facade there, and a parameter property of that name
  // would overwrite it with the raw handle after super() returns. Reads use `database`, writes
  // `writer`, whose connection is its own so reads never see or wait for an open batch.
  // `maintenance` purges and counts attempts: neither needs an fsync per commit (a purge lost
  // to a power cut is redone; WAL still keeps counts across a crash of the process).
  private constructor(
    private readonly database: SqliteDatabase,
    private readonly writer: GroupCommitWriter,
    private readonly maintenance: SqliteDatabase,
    lifetime: SessionLifetime,
  ) {
    super({ table: 'sessions', db: connectSqliteFacade(database) });
    this.persistence = new SessionPersistence(this, lifetime);
    this.liveReads = new BatchedReader(
      database,
      'SELECT sid AS key, sess AS json, rev, expired FROM sessions WHERE sid IN',
    );
  }

  /** Opens the file, creates the schema, then the store; the store owns the handles. */
  static async open(file: string, lifetime: SessionLifetime): Promise<SqliteSessionStore> {
    const db = await connect(file, 'session');
    try {
      await migrate(db, SCHEMA);
      const writes = await connect(file, 'session write');
      const maintenance = await connect(file, 'session maintenance');
      await maintenance.exec('PRAGMA synchronous = NORMAL');
      return new SqliteSessionStore(db, new GroupCommitWriter(writes), maintenance, lifetime);
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    settle(this.readLive(sid), callback);
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    settle(this.persistence.save(sid, data), callback);
  }

  override createSession(req: Request, data: SessionData) {
    const created = super.createSession(req, data);
    this.persistence.adopt(created, data);
    return created;
  }

  override destroy(sid: string, callback?: Callback): void {
    settle(
      this.writer.run('DELETE FROM sessions WHERE sid = ?', [sid]).then(() => undefined),
      callback,
    );
  }

  /**
   * Activity is recorded in the session itself (`lastSeen`, at most once a minute), which moves
   * the row's expiry on save; touching the row on every request would be a write per request.
   */
  override touch(_sid: string, _data: SessionData, callback?: Callback): void {
    if (callback) process.nextTick(callback, null);
  }

  override length(callback: Callback<number>): void {
    const count = this.database
      .get<{ count: number }>('SELECT COUNT(*) AS count FROM sessions WHERE expired > ?', [
        Date.now(),
      ])
      .then((row) => row?.count ?? 0);
    settle(count, callback);
  }

  override clear(callback?: Callback): void {
    settle(
      this.writer.run('DELETE FROM sessions').then(() => undefined),
      callback,
    );
  }

  override all(callback: Callback<SessionData[]>): void {
    const sessions = this.database
      .all<{ json: string; rev: number }>(
        'SELECT sess AS json, rev FROM sessions WHERE expired > ?',
        [Date.now()],
      )
      .then((rows) =>
        rows.map((row) => this.persistence.decode(row)).filter((data) => data !== null),
      );
    settle(sessions, callback);
  }

  /** Read after a write lost a race: through the writer, so it sees the last batch committed. */
  async read(sid: string): Promise<StoredSession | undefined> {
    return this.writer.readNext<StoredSession>(
      'SELECT sess AS json, rev FROM sessions WHERE sid = ?',
      [sid],
    );
  }

  async insert(sid: string, json: string, columns: SessionColumns): Promise<void> {
    await this.writer.run(
      `INSERT OR REPLACE INTO sessions (sid, sess, rev, expired, owner, handle, created_at, last_seen, user_agent, ip)
       VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`,
      [sid, json, ...COLUMN_VALUES(columns)],
    );
  }

  async update(
    sid: string,
    json: string,
    columns: SessionColumns,
    rev: number,
    retry = false,
  ): Promise<boolean> {
    const { changes } = await this.writer.run(
      `UPDATE sessions SET sess = ?, rev = rev + 1, expired = ?, owner = ?, handle = ?, created_at = ?,
         last_seen = ?, user_agent = ?, ip = ?
       WHERE sid = ? AND rev = ?`,
      [json, ...COLUMN_VALUES(columns), sid, rev],
      { first: retry },
    );
    return changes === 1;
  }

  async listOwned(owner: string): Promise<SessionSummary[]> {
    return this.database.all<SessionSummary>(
      `SELECT handle, created_at AS createdAt, last_seen AS lastSeen, user_agent AS userAgent, ip
       FROM sessions WHERE owner = ? AND expired > ? ORDER BY last_seen DESC`,
      [owner, Date.now()],
    );
  }

  async destroyOwned(
    owner: string,
    { handle, exceptHandle }: { handle?: string; exceptHandle?: string },
  ): Promise<number> {
    const { changes } = await this.writer.run(
      'DELETE FROM sessions WHERE owner = ?1 AND (?2 IS NULL OR handle = ?2) AND (?3 IS NULL OR handle IS NOT ?3)',
      [owner, handle ?? null, exceptHandle ?? null],
    );
    return changes;
  }

  /**
   * Deletes expired rows in small batches on a connection of its own, so requests' reads never
   * queue behind it (WAL readers do not wait for writers) and their writes wait for one batch
   * at most; another instance on the same file interleaves the same way. Expired attempt
   * counts go the same way. Returns how many sessions went.
   */
  async purgeExpired(now = Date.now()): Promise<number> {
    const purged = await this.purgeBatches(
      'DELETE FROM sessions WHERE sid IN (SELECT sid FROM sessions WHERE expired <= ? LIMIT ?)',
      now,
    );
    await this.purgeBatches(
      `DELETE FROM ${ATTEMPT_COUNTS_TABLE} WHERE key IN (SELECT key FROM ${ATTEMPT_COUNTS_TABLE} WHERE expire <= ? LIMIT ?)`,
      now,
    );
    return purged;
  }

  attemptCounter({ name, points, duration }: AttemptCounterOptions): SqliteRateLimiter {
    return new SqliteRateLimiter(this.maintenance, { keyPrefix: name, points, duration });
  }

  addMergeCheck(check: MergeCheck): void {
    this.persistence.addMergeCheck(check);
  }

  /** Resolves when the database answers a query. */
  async ping(): Promise<void> {
    await this.database.get('SELECT 1');
  }

  /** Settles the writes still queued (none is lost or left hanging on shutdown), then closes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.writer.close();
    await this.maintenance.close();
    await this.database.close();
  }

  private async purgeBatches(deleteBatch: string, now: number): Promise<number> {
    let purged = 0;
    while (!this.closed) {
      const { changes } = await this.maintenance.run(deleteBatch, [now, PURGE_BATCH]);
      purged += changes;
      if (changes < PURGE_BATCH) break;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return purged;
  }

  private async readLive(sid: string): Promise<SessionData | null> {
    const row = await this.liveReads.get(sid);
    return row && row.expired > Date.now() ? this.persistence.decode(row) : null;
  }
}

/** One connection to the sessions file; errors of statements run without a callback are logged. */
function connect(file: string, role: string): Promise<SqliteDatabase> {
  return SqliteDatabase.open(file, (error) =>
    logger.error(`${role} database error: ${error.message}`),
  );
}

/**
 * What connect-sqlite3 gets instead of the handle. Its constructor's `CREATE TABLE IF NOT
 * EXISTS` runs (a no-op on our schema) with errors logged, not thrown inside a callback. Its
 * own cleanup, one unbatched `DELETE` run without a callback at start-up and daily, is not run:
 * it would hold the write lock for the whole table scan, and `purgeExpired` does the job.
 */
function connectSqliteFacade(db: SqliteDatabase) {
  return {
    exec(sql: string, callback: (error: Error | null) => void) {
      db.exec(sql).then(
        () => callback(null),
        (error: unknown) => logger.error(`connect-sqlite3 start-up failed: ${String(error)}`),
      );
    },
    run() {},
  };
}
