import type { Logger } from '@nestjs/common';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  type Dialect,
  type Migration,
  type PostgresCursor,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
} from 'kysely';
import type { DatabaseError, Pool, PoolClient } from 'pg';
import { NodeSqliteDialect } from './kysely-sqlite.dialect.js';

/** Where a database lives: a SQLite file, or a PostgreSQL server. */
export type DatabaseTarget = { type: 'sqlite'; file: string } | { type: 'postgres'; url: string };

/**
 * Longest wait for a PostgreSQL connection, and for a query's answer, so a server that went
 * away or hangs costs a request an error within seconds, never a hang.
 */
const POSTGRES_TIMEOUT_MS = 3000;

/**
 * Opens the database and brings its schema up to date (`migrations`, applied in name order,
 * each once). Rejects with one line naming the database (never its password) when it cannot
 * be reached or migrated.
 */
export async function openDatabase<Schema>(
  target: DatabaseTarget,
  migrations: Record<string, Migration>,
  logger: Logger,
): Promise<Kysely<Schema>> {
  const db = new Kysely<Schema>({ dialect: await dialectFor(target, logger) });
  try {
    await migrate(db, migrations);
    return db;
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new Error(`cannot use ${describeDatabase(target)}: ${reasonOf(error)}`, { cause: error });
  }
}

/**
 * Applies the migrations not applied yet, each once, under a lock (two instances starting at
 * once are safe). `table` names the bookkeeping table, so two sets can share one database.
 */
export async function migrate<Schema>(
  db: Kysely<Schema>,
  migrations: Record<string, Migration>,
  table = 'kysely_migration',
): Promise<void> {
  const provider = { getMigrations: () => Promise.resolve(migrations) };
  const { error } = await new Migrator({
    db,
    provider,
    migrationTableName: table,
    migrationLockTableName: `${table}_lock`,
  }).migrateToLatest();
  if (error) throw error;
}

/**
 * A pg pool whose connections and queries give up within seconds, so a server that went away
 * or hangs costs a request an error, never a hang. pg is loaded only when used.
 */
export async function postgresPool(url: string, logger: Logger): Promise<Pool> {
  const { Pool } = await import('pg');
  const pool = new Pool({
    connectionString: url,
    connectionTimeoutMillis: POSTGRES_TIMEOUT_MS,
    query_timeout: POSTGRES_TIMEOUT_MS,
    statement_timeout: POSTGRES_TIMEOUT_MS,
    keepAlive: true,
    application_name: 'nest-session-auth',
  });
  // An idle connection that breaks (server restart, network) emits here; unheard, it would crash.
  pool.on('error', (error) => logger.warn(`idle database connection lost: ${reasonOf(error)}`));
  return pool;
}

/** The database for messages: the file, or the URL without password or query. */
export function describeDatabase(target: DatabaseTarget): string {
  if (target.type === 'sqlite') return `SQLite database ${target.file}`;
  const url = new URL(target.url);
  const user = url.username ? `${url.username}@` : '';
  return `PostgreSQL database ${url.protocol}//${user}${url.host}${url.pathname}`;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return 'the URL given';
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** True for an insert refused by a unique index or key, on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_CONSTRAINT' || code === '23505';
}

async function dialectFor(target: DatabaseTarget, logger: Logger): Promise<Dialect> {
  if (target.type === 'sqlite') {
    return new NodeSqliteDialect(target.file, (error) =>
      logger.error(`database error: ${error.message}`),
    );
  }
  // Loaded only when used: the default (SQLite) start-up does without it.
  const { DatabaseError } = await import('pg');
  const pool = await postgresPool(target.url, logger);
  return new PostgresDialect({ pool: discardingBrokenClients(pool, DatabaseError, logger) });
}

/**
 * The pool as Kysely sees it, with each lent connection wrapped in a `GuardedClient`.
 */
function discardingBrokenClients(
  pool: Pool,
  serverError: typeof DatabaseError,
  logger: Logger,
): PostgresPool {
  return {
    connect: async () => new GuardedClient(await pool.connect(), serverError, logger),
    end: () => pool.end(),
  };
}

/**
 * A lent pg connection with two repairs: it is listened to while lent out (pg-pool only
 * listens to idle ones, and an unheard 'error' crashes the process), and after an error that
 * did not come from the server (a timeout, a dropped socket) it is destroyed on release
 * instead of pooled, since a timed-out query may still occupy it.
 */
class GuardedClient implements PostgresPoolClient {
  private broken = false;
  private readonly onError = (error: Error) => {
    this.broken = true;
    this.logger.warn(`database connection lost: ${reasonOf(error)}`);
  };

  constructor(
    private readonly client: PoolClient,
    private readonly serverError: typeof DatabaseError,
    private readonly logger: Logger,
  ) {
    client.on('error', this.onError);
  }

  query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sql: string | PostgresCursor<R>,
    parameters: readonly unknown[] = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sql !== 'string') throw new Error('cursors are not supported');
    return this.run<R>(sql, parameters);
  }

  release(destroy?: boolean): void {
    this.client.off('error', this.onError);
    this.client.release(destroy || this.broken);
  }

  private async run<R>(
    sql: string,
    parameters: readonly unknown[],
  ): Promise<PostgresQueryResult<R>> {
    try {
      return (await this.client.query(sql, [...parameters])) as unknown as PostgresQueryResult<R>;
    } catch (error) {
      if (!(error instanceof this.serverError)) this.broken = true;
      throw error;
    }
  }
}

/** A readable reason: connection failures to several addresses arrive as an AggregateError. */
export function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  if (error instanceof Error) {
    return error.message || (error as NodeJS.ErrnoException).code || error.name;
  }
  return String(error);
}
