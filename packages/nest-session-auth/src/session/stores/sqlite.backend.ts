import { Logger } from '@nestjs/common';
import { BatchedReader } from '../../database/batched-reader.js';
import { GroupCommitWriter } from '../../database/group-commit-writer.js';
import { migrate } from '../../database/migrations.js';
import { SqliteDatabase } from '../../database/sqlite-database.js';
import { SqliteAttemptCounts, type SqliteRateLimiter } from '../../database/sqlite-rate-limiter.js';
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

const logger = new Logger('SqliteSessionStore');

/**
 * Typed columns; `expired` is epoch ms (connect-sqlite3's name and unit). `owner` is the
 * per-user index: listing or ending a user's sessions reads only their rows, and it stays
 * right through expiry, purge and sign-out because it is the same row.
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
];

const PURGE_BATCH = 250;

const READ = 'SELECT sid AS key, sess AS json, rev, expired AS expires FROM sessions WHERE sid IN';

/**
 * Sessions in a SQLite file (WAL, full sync). Reads of one turn share one query; writes share
 * one transaction and fsync (group commit) on a connection of their own, so reads never wait
 * for an open batch; purges run on a third, in small batches. Attempt counts live in a file
 * of their own beside this one (see SqliteAttemptCounts).
 */
export class SqliteBackend implements SessionBackend {
  private readonly reads: BatchedReader<StoredSession>;
  private closed = false;

  private constructor(
    /** The connection for reads; connect-sqlite3's bootstrap runs on it too. */
    readonly database: SqliteDatabase,
    private readonly writer: GroupCommitWriter,
    private readonly maintenance: SqliteDatabase,
    private readonly attempts: SqliteAttemptCounts,
  ) {
    this.reads = BatchedReader.sqlite(database, READ);
  }

  /** Opens the file and creates the schema; rejects with the path in the message. */
  static async open(file: string): Promise<SqliteBackend> {
    const db = await connect(file, 'session');
    try {
      await migrate(db, SCHEMA);
      const writes = await connect(file, 'session write');
      // Deleting expired rows needs no fsync per commit: a purge lost to a power cut is redone.
      const maintenance = await connect(file, 'session maintenance');
      await maintenance.exec('PRAGMA synchronous = NORMAL');
      const attempts = await SqliteAttemptCounts.open(
        await connect(file.replace(/(\.db)?$/, '-attempts.db'), 'attempt count'),
      );
      return new SqliteBackend(db, new GroupCommitWriter(writes), maintenance, attempts);
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  /** A read after a lost race goes through the writer, so it sees the last batch committed. */
  read(sid: string, { retry = false }: RetryHint = {}): Promise<StoredSession | undefined> {
    if (!retry) return this.reads.get(sid);
    return this.writer.readNext<StoredSession>(`${READ} (?)`, [sid]);
  }

  async insert(sid: string, record: SessionRecord): Promise<void> {
    await this.writer.run(
      `INSERT OR REPLACE INTO sessions (sid, rev, sess, expired, owner, handle, created_at, last_seen, user_agent, ip)
       VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [sid, ...recordValues(record)],
    );
  }

  async update(sid: string, record: SessionRecord, rev: number, hint: RetryHint = {}) {
    const { changes } = await this.writer.run(
      `UPDATE sessions SET sess = ?, rev = rev + 1, expired = ?, owner = ?, handle = ?, created_at = ?,
         last_seen = ?, user_agent = ?, ip = ?
       WHERE sid = ? AND rev = ?`,
      [...recordValues(record), sid, rev],
      { first: hint.retry },
    );
    return changes === 1;
  }

  async remove(sid: string): Promise<void> {
    await this.writer.run('DELETE FROM sessions WHERE sid = ?', [sid]);
  }

  listOwned(owner: string, now: number): Promise<SessionSummary[]> {
    return this.database.all<SessionSummary>(
      `SELECT handle, created_at AS createdAt, last_seen AS lastSeen, user_agent AS userAgent, ip
       FROM sessions WHERE owner = ? AND expired > ?`,
      [owner, now],
    );
  }

  async removeOwned(owner: string, { handle, exceptHandle }: OwnedSelector): Promise<number> {
    const { changes } = await this.writer.run(
      'DELETE FROM sessions WHERE owner = ?1 AND (?2 IS NULL OR handle = ?2) AND (?3 IS NULL OR handle IS NOT ?3)',
      [owner, handle ?? null, exceptHandle ?? null],
    );
    return changes;
  }

  /**
   * Deletes in small batches on a connection of its own, so requests' reads never queue behind
   * it (WAL) and their writes wait for one batch at most; another instance on the same file
   * interleaves the same way. Expired attempt counts go too.
   */
  async purgeExpired(now: number): Promise<number> {
    let purged = 0;
    while (!this.closed) {
      const { changes } = await this.maintenance.run(
        'DELETE FROM sessions WHERE sid IN (SELECT sid FROM sessions WHERE expired <= ? LIMIT ?)',
        [now, PURGE_BATCH],
      );
      purged += changes;
      if (changes < PURGE_BATCH) break;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await this.attempts.purgeExpired(now);
    return purged;
  }

  async count(now: number): Promise<number> {
    const row = await this.database.get<{ count: number }>(
      'SELECT COUNT(*) AS count FROM sessions WHERE expired > ?',
      [now],
    );
    return row?.count ?? 0;
  }

  async clear(): Promise<void> {
    await this.writer.run('DELETE FROM sessions');
  }

  async ping(): Promise<void> {
    await this.database.get('SELECT 1');
  }

  attemptCounter({ name, points, duration }: AttemptCounterOptions): SqliteRateLimiter {
    return this.attempts.limiter({ keyPrefix: name, points, duration });
  }

  /** Settles the writes still queued (none is lost or left hanging on shutdown), then closes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.writer.close();
    await this.maintenance.close();
    await this.attempts.close();
    await this.database.close();
  }
}

/** One connection to the file; errors of statements run without a callback are logged. */
function connect(file: string, role: string): Promise<SqliteDatabase> {
  return SqliteDatabase.open(file, (error) =>
    logger.error(`${role} database error: ${error.message}`),
  );
}
