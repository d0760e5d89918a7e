import {
  CompiledQuery,
  RawNode,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';
import { SqliteDatabase, type SqlParams } from './sqlite-database.js';

/**
 * Kysely over the project's node-sqlite3 wrapper (`SqliteDatabase`). Kysely's own SqliteDialect
 * needs better-sqlite3's synchronous API; this one keeps the WAL, durability and busy-timeout
 * settings `SqliteDatabase.open` applies to every file.
 */
export class NodeSqliteDialect implements Dialect {
  constructor(
    private readonly file: string,
    private readonly onError: (error: Error) => void,
  ) {}

  createDriver(): Driver {
    return new NodeSqliteDriver(this.file, this.onError);
  }

  createQueryCompiler(): SqliteQueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/**
 * SQLite runs DDL inside transactions, so the Migrator may run each step in one; with
 * `BEGIN IMMEDIATE` (below) that also serializes two instances migrating one DATA_DIR.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** One connection (as SQLite wants), lent to one query or transaction at a time. */
class NodeSqliteDriver implements Driver {
  private readonly mutex = new Mutex();
  private database?: SqliteDatabase;
  private connection?: NodeSqliteConnection;

  constructor(
    private readonly file: string,
    private readonly onError: (error: Error) => void,
  ) {}

  async init(): Promise<void> {
    this.database = await SqliteDatabase.open(this.file, this.onError);
    this.connection = new NodeSqliteConnection(this.database);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock();
    return this.connection!;
  }

  async releaseConnection(): Promise<void> {
    this.mutex.unlock();
  }

  /** IMMEDIATE takes the write lock up front: no deadlock upgrading a read lock later. */
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('BEGIN IMMEDIATE'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }

  async destroy(): Promise<void> {
    const database = this.database;
    this.database = undefined;
    await database?.close();
  }
}

class NodeSqliteConnection implements DatabaseConnection {
  constructor(private readonly database: SqliteDatabase) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const params = query.parameters as SqlParams;
    if (returnsRows(query)) return { rows: await this.database.all<R>(query.sql, params) };
    const { changes, lastID } = await this.database.run(query.sql, params);
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastID) };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported by NodeSqliteDialect');
  }
}

/** `all` for statements that yield rows, `run` (which reports changes) for the rest. */
function returnsRows({ query, sql }: CompiledQuery): boolean {
  if (SelectQueryNode.is(query)) return true;
  if ('returning' in query && query.returning) return true;
  if (RawNode.is(query)) {
    return /^\s*(select|with|pragma|values|explain)\b/i.test(sql) || /\breturning\b/i.test(sql);
  }
  return false;
}

/** A FIFO lock: each waiter gets the connection in turn. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private release?: () => void;

  async lock(): Promise<void> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((resolve) => (release = resolve));
    await previous;
    this.release = release;
  }

  unlock(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}
