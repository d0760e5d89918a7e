import { Logger } from '@nestjs/common';
import { Kysely, PostgresDialect, sql as rawSql, type Migration } from 'kysely';
import type { CustomTypesConfig, Pool, QueryConfig } from 'pg';
import { BatchedReader } from '../../database/batched-reader.js';
import { describeDatabase, migrate, postgresPool, reasonOf } from '../../database/database.js';
import { ATTEMPT_COUNTS_TABLE, type CountQuery } from '../../database/sql-attempt-counter.js';
import type { SqlParams } from '../../database/sqlite-database.js';
import type { StoredSession } from './session-backend.js';
import { SESSION_SQL, SqlBackend } from './sql.backend.js';

const logger = new Logger('PostgresSessionStore');

/** Runs each statement of a migration in turn. */
const steps = (...statements: string[]): Migration => ({
  up: async (db) => {
    for (const statement of statements) await rawSql.raw(statement).execute(db);
  },
});

/** Tracked in a table of their own (`session_migration`), beside the accounts' migrations. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-sessions': steps(
    `CREATE TABLE sessions (
       sid text PRIMARY KEY, sess text NOT NULL, rev integer NOT NULL, expired bigint NOT NULL,
       owner text, handle text, created_at bigint, last_seen bigint, user_agent text, ip text)`,
    'CREATE INDEX sessions_expired ON sessions (expired)',
    'CREATE INDEX sessions_owner ON sessions (owner, last_seen) WHERE owner IS NOT NULL',
    ...ATTEMPT_COUNTS_TABLE,
  ),
};

/**
 * Sessions in PostgreSQL (the accounts database, usually): one statement per operation, each
 * committed (durable) before it resolves; compare-and-set is `UPDATE … WHERE sid AND rev`.
 * Connections and queries time out within seconds (503) and the pool reconnects by itself.
 */
export class PostgresBackend extends SqlBackend {
  private readonly reads: BatchedReader<StoredSession>;
  /** Each statement numbered and named once, so each connection prepares it once. */
  private readonly statements = new Map<string, { name: string; text: string }>();

  private constructor(
    private readonly pool: Pool,
    private readonly types: CustomTypesConfig,
  ) {
    super();
    // The reads of one turn share one query (a round trip and a parse each, otherwise).
    this.reads = new BatchedReader((keys) =>
      this.query<StoredSession & { key: string }>(`${SESSION_SQL.read} = ANY(?)`, [keys]),
    );
  }

  /** Connects and migrates; rejects with one line naming the database (never its password). */
  static async open(url: string): Promise<PostgresBackend> {
    const { TypeOverrides } = await import('pg');
    // Epoch-ms columns are bigint, which pg returns as strings; every one fits a double.
    const types = new TypeOverrides();
    types.setTypeParser(20, Number);
    const pool = await postgresPool(url, logger);
    try {
      const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
      await migrate(db, MIGRATIONS, 'session_migration');
      return new PostgresBackend(pool, types);
    } catch (error) {
      await pool.end().catch(() => undefined);
      const where = describeDatabase({ type: 'postgres', url });
      throw new Error(`cannot use ${where} for sessions: ${reasonOf(error)}`, { cause: error });
    }
  }

  read(sid: string): Promise<StoredSession | undefined> {
    return this.reads.get(sid);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.end();
  }

  protected readonly countQuery: CountQuery = <Row>(sql: string, params: SqlParams) =>
    this.query<Row>(sql, params);

  protected async query<Row>(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return (await this.pool.query<Row & object>(this.statement(sql, params))).rows;
  }

  protected async write(sql: string, params: readonly unknown[]): Promise<number> {
    return (await this.pool.query(this.statement(sql, params))).rowCount ?? 0;
  }

  /** Each batch locks only its rows and skips those another instance's purge holds. */
  protected purgeBatch(select: string, params: readonly unknown[]): Promise<number> {
    const batch = `DELETE FROM sessions WHERE sid IN (${select} FOR UPDATE SKIP LOCKED)`;
    return this.write(batch, params);
  }

  private statement(sql: string, values: readonly unknown[]): QueryConfig {
    let statement = this.statements.get(sql);
    if (!statement) {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      statement = { name: `nsa-${this.statements.size}`, text };
      this.statements.set(sql, statement);
    }
    return { ...statement, values: [...values], types: this.types };
  }
}
