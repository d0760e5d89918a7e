import { Logger } from '@nestjs/common';
import { BatchedReader } from '../../database/batched-reader.js';
import { GroupCommitWriter } from '../../database/group-commit-writer.js';
import { migrate } from '../../database/migrations.js';
import { SqliteDatabase, type SqlParams } from '../../database/sqlite-database.js';
import {
  ATTEMPT_COUNTS_TABLE,
  oneAtATime,
  type CountQuery,
} from '../../database/sql-attempt-counter.js';
import type { RetryHint, StoredSession } from './session-backend.js';
import { SESSION_SQL, SqlBackend } from './sql.backend.js';

const logger = new Logger('SqliteSessionStore');

/** connect-sqlite3's table, typed, then the columns of the owner index. */
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

/**
 * Sessions in a SQLite file (WAL, full sync). Reads of one turn share one query; writes share
 * one transaction and fsync (group commit) on a connection of their own, so reads never wait
 * for an open batch; purges run on a third. Attempt counts live in a file of their own beside
 * this one, one statement at a time (see `oneAtATime`).
 */
export class SqliteBackend extends SqlBackend {
  private readonly reads: BatchedReader<StoredSession>;
  protected readonly countQuery: CountQuery;

  private constructor(
    /** The connection for reads; connect-sqlite3's bootstrap runs on it too. */
    readonly database: SqliteDatabase,
    private readonly writer: GroupCommitWriter,
    private readonly maintenance: SqliteDatabase,
    private readonly attempts: ReturnType<typeof oneAtATime>,
  ) {
    super();
    this.countQuery = attempts.query;
    this.reads = BatchedReader.sqlite(database, `${SESSION_SQL.read} IN`);
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
      const attempts = await connect(file.replace(/(\.db)?$/, '-attempts.db'), 'attempt count');
      // A crash of the process keeps every count (WAL); a power cut may lose the last ones.
      await attempts.exec('PRAGMA synchronous = NORMAL');
      await migrate(attempts, [ATTEMPT_COUNTS_TABLE.join(';\n')]);
      return new SqliteBackend(
        db,
        new GroupCommitWriter(writes),
        maintenance,
        oneAtATime(attempts),
      );
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  /** A read after a lost race goes through the writer, so it sees the last batch committed. */
  read(sid: string, { retry = false }: RetryHint = {}): Promise<StoredSession | undefined> {
    if (!retry) return this.reads.get(sid);
    return this.writer.readNext<StoredSession>(`${SESSION_SQL.read} = ?`, [sid]);
  }

  /** Settles the writes still queued (none is lost or left hanging on shutdown), then closes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.writer.close();
    await this.maintenance.close();
    await this.attempts.close();
    await this.database.close();
  }

  protected query<Row>(sql: string, params: SqlParams): Promise<Row[]> {
    return this.database.all<Row>(sql, params);
  }

  /** A retried write goes first, or newer writes would queue ahead of it every time. */
  protected async write(sql: string, params: SqlParams, hint?: RetryHint): Promise<number> {
    return (await this.writer.run(sql, params, { first: hint?.retry })).changes;
  }

  /** On a connection of its own: requests' reads never queue behind a purge (WAL). */
  protected async purgeBatch(select: string, params: SqlParams): Promise<number> {
    return (await this.maintenance.run(`DELETE FROM sessions WHERE sid IN (${select})`, params))
      .changes;
  }
}

/** One connection to the file; errors of statements run without a callback are logged. */
function connect(file: string, role: string): Promise<SqliteDatabase> {
  return SqliteDatabase.open(file, (error) =>
    logger.error(`${role} database error: ${error.message}`),
  );
}
