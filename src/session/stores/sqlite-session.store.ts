import { Logger } from '@nestjs/common';
import connectSqlite3 from 'connect-sqlite3';
import session, { type SessionData } from 'express-session';
import { migrate } from '../../database/migrations.js';
import { SqliteDatabase } from '../../database/sqlite-database.js';
import type { SessionLifetime } from '../session-lifetime.js';
import { settle } from './callback.js';
import type { ManagedSessionStore } from './managed-session-store.js';

const ConnectSqliteStore = connectSqlite3(session);

type Callback<T = void> = (error: unknown, value?: T) => void;

interface SessionRow {
  sess: string;
  rev: number;
  expired: number;
}

/**
 * Typed schema, created before connect-sqlite3's own untyped `CREATE TABLE IF NOT EXISTS`
 * (which then does nothing). `expired` is epoch ms, the unit connect-sqlite3's cleanup uses.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS sessions (
     sid TEXT PRIMARY KEY NOT NULL,
     expired INTEGER NOT NULL,
     sess TEXT NOT NULL,
     rev INTEGER NOT NULL DEFAULT 1
   ) WITHOUT ROWID;
   CREATE INDEX IF NOT EXISTS sessions_expired ON sessions (expired);`,
];

const PURGE_BATCH = 500;

/**
 * connect-sqlite3, with every data method replaced: its originals call back twice on errors,
 * throw inside async callbacks on corrupt rows and failed queries (crashing the process),
 * keep browser-session rows a fixed 24 h, and upsert (so a session destroyed by sign-out
 * can be written back by a request still in flight). It keeps its role as the express-session
 * Store base and its schema bootstrap, but it never sees the database handle itself: it gets
 * a facade that reports errors instead of throwing them.
 */
export class SqliteSessionStore extends ConnectSqliteStore implements ManagedSessionStore {
  private static readonly logger = new Logger('SqliteSessionStore');
  /** What was last written for a session object, while that object lives (one request). */
  private readonly lastWritten = new WeakMap<SessionData, string>();

  // Not `db`: connect-sqlite3 keeps its facade there, and a parameter property of that name
  // would overwrite it with the raw handle after super() returns.
  private constructor(
    private readonly database: SqliteDatabase,
    private readonly lifetime: SessionLifetime,
  ) {
    super({ table: 'sessions', db: connectSqliteFacade(database) });
  }

  /** Opens the file, creates the schema, then the store; the store owns the handle. */
  static async open(file: string, lifetime: SessionLifetime): Promise<SqliteSessionStore> {
    const db = await SqliteDatabase.open(file, (error) =>
      SqliteSessionStore.logger.error(`session database error: ${error.message}`),
    );
    try {
      await migrate(db, SCHEMA);
    } catch (error) {
      await db.close();
      throw error;
    }
    return new SqliteSessionStore(db, lifetime);
  }

  /** Resolves when the database answers a query. */
  async ping(): Promise<void> {
    await this.database.get('SELECT 1');
  }

  close(): Promise<void> {
    return this.database.close();
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    settle(this.read(sid), callback);
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    settle(this.write(sid, data), callback);
  }

  override destroy(sid: string, callback?: Callback): void {
    settle(
      this.database.run('DELETE FROM sessions WHERE sid = ?', [sid]).then(() => undefined),
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
      this.database.run('DELETE FROM sessions').then(() => undefined),
      callback,
    );
  }

  override all(callback: Callback<SessionData[]>): void {
    const sessions = this.database
      .all<SessionRow>('SELECT sess, rev, expired FROM sessions WHERE expired > ?', [Date.now()])
      .then((rows) => rows.map((row) => this.parse(row)).filter((data) => data !== null));
    settle(sessions, callback);
  }

  /**
   * Deletes expired rows in small batches, yielding between them so requests (and the other
   * instance on the same file) get the write lock in between. Returns how many rows went.
   */
  async purgeExpired(now = Date.now()): Promise<number> {
    let purged = 0;
    for (;;) {
      const { changes } = await this.database.run(
        'DELETE FROM sessions WHERE sid IN (SELECT sid FROM sessions WHERE expired <= ? LIMIT ?)',
        [now, PURGE_BATCH],
      );
      purged += changes;
      if (changes < PURGE_BATCH) return purged;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async read(sid: string): Promise<SessionData | null> {
    const row = await this.database.get<SessionRow>(
      'SELECT sess, rev, expired FROM sessions WHERE sid = ?',
      [sid],
    );
    if (!row || row.expired <= Date.now()) return null;
    return this.parse(row);
  }

  /**
   * A session that was never loaded (new, or just regenerated) is inserted; one that was loaded
   * is only updated, so if sign-out or revocation deleted it meanwhile it stays deleted.
   */
  private async write(sid: string, data: SessionData): Promise<void> {
    const { rev, ...rest } = data;
    const json = JSON.stringify(rest);
    // express-session saves a regenerated session again when the request ends, although it
    // was saved already (sign-in awaits the save): skip writing the same object unchanged.
    if (this.lastWritten.get(data) === json) return;
    const expired = this.lifetime.expiresAt(data);
    if (rev === undefined) {
      await this.database.run(
        `INSERT INTO sessions (sid, expired, sess) VALUES (?, ?, ?)
         ON CONFLICT (sid) DO UPDATE SET expired = excluded.expired, sess = excluded.sess, rev = rev + 1`,
        [sid, expired, json],
      );
    } else {
      await this.database.run(
        'UPDATE sessions SET expired = ?, sess = ?, rev = rev + 1 WHERE sid = ?',
        [expired, json, sid],
      );
    }
    this.lastWritten.set(data, json);
  }

  /** A row that does not parse (hand-edited, truncated) is treated as no session, not a crash. */
  private parse(row: SessionRow): SessionData | null {
    try {
      return { ...(JSON.parse(row.sess) as SessionData), rev: row.rev };
    } catch {
      SqliteSessionStore.logger.warn(
        `ignoring a session row whose data does not parse (${row.sess.length} bytes)`,
      );
      return null;
    }
  }
}

const reportHousekeepingError = (error: unknown) =>
  new Logger('SqliteSessionStore').error(`connect-sqlite3 housekeeping failed: ${String(error)}`);

/**
 * What connect-sqlite3's constructor and its daily cleanup get instead of the handle: both call
 * it without usable error handling (a `throw` in a callback, a callback-less DELETE), so errors
 * are logged here rather than thrown.
 */
function connectSqliteFacade(db: SqliteDatabase) {
  return {
    exec(sql: string, callback: (error: Error | null) => void) {
      db.exec(sql).then(() => callback(null), reportHousekeepingError);
    },
    run(sql: string, params: number[]) {
      db.run(sql, params).catch(reportHousekeepingError);
    },
  };
}
