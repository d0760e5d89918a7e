import { Logger } from '@nestjs/common';
import connectSqlite3 from 'connect-sqlite3';
import session from 'express-session';
import type { SessionLifetime } from '../session-lifetime.js';
import { revisioned } from './revisioned-session.store.js';
import { SqliteBackend } from './sqlite.backend.js';

/** Typed with the options passed here: connect-sqlite3's own declaration is local, not shipped. */
const ConnectSqliteStore: new (options: { table: string; db: object }) => session.Store =
  connectSqlite3(session);

const logger = new Logger('SqliteSessionStore');

/**
 * The core over connect-sqlite3's class: connect-sqlite3 is the store's base (its prototype
 * chain, its constructor and schema bootstrap); the core replaces all of its data methods
 * and `SqliteBackend` does the I/O (the package README says what is replaced, and why).
 */
export class SqliteSessionStore extends revisioned(ConnectSqliteStore) {
  /** Opens the file and creates the schema, then the store, which owns the connections. */
  static async open(file: string, lifetime: SessionLifetime): Promise<SqliteSessionStore> {
    const backend = await SqliteBackend.open(file);
    return new SqliteSessionStore(
      { backend, lifetime },
      { table: 'sessions', db: bootstrap(backend) },
    );
  }
}

/**
 * What connect-sqlite3's constructor gets as its database: its `CREATE TABLE IF NOT EXISTS`
 * runs (a no-op on the migrated table), with an error logged instead of thrown inside a
 * callback (a crash); its cleanup, one unbatched DELETE at start-up and daily, does not: that
 * holds the write lock for a whole table scan, and the batched purge does the job.
 */
function bootstrap(backend: SqliteBackend) {
  return {
    exec(sql: string, callback: (error: Error | null) => void) {
      backend.database.exec(sql).then(
        () => callback(null),
        (error: unknown) => logger.error(`connect-sqlite3 start-up failed: ${String(error)}`),
      );
    },
    run() {},
  };
}
