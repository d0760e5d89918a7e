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

function finalize(statement: sqlite3.Statement): Promise<void> {
  return new Promise((resolve) => statement.finalize(() => resolve()));
}
