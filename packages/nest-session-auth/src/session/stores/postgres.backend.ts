import { Logger } from '@nestjs/common';
import { Kysely, PostgresDialect, sql, type Migration } from 'kysely';
import type { Pool, QueryConfig } from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { BatchedReader } from '../../database/batched-reader.js';
import { describeDatabase, migrate, postgresPool, reasonOf } from '../../database/database.js';
import type {
  AttemptCounterOptions,
  OwnedSelector,
  SessionBackend,
  SessionRecord,
  SessionSummary,
  StoredSession,
} from './session-backend.js';
import { recordValues } from './session-backend.js';

const logger = new Logger('PostgresSessionStore');

const PURGE_BATCH = 250;

/** Runs each statement of a migration in turn. */
const steps = (...statements: string[]): Migration => ({
  up: async (db) => {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
});

/** Tracked in a table of their own (`session_migration`), beside the accounts' migrations. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-sessions': steps(
    `CREATE TABLE sessions (
       sid text PRIMARY KEY, sess text NOT NULL, rev integer NOT NULL, expires bigint NOT NULL,
       owner text, handle text, created_at bigint, last_seen bigint, user_agent text, ip text)`,
    'CREATE INDEX sessions_expires ON sessions (expires)',
    'CREATE INDEX sessions_owner ON sessions (owner, last_seen) WHERE owner IS NOT NULL',
    // RateLimiterPostgres's table (`key` text: a name can be long), with an index for the purge.
    'CREATE TABLE attempt_counts (key text PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)',
    'CREATE INDEX attempt_counts_expire ON attempt_counts (expire)',
  ),
};

/** Named, so each connection prepares a statement once. */
const query = (name: string, text: string, values: unknown[]): QueryConfig => ({
  name: `nsa-${name}`,
  text,
  values,
});

const COLUMNS = 'sess, expires, owner, handle, created_at, last_seen, user_agent, ip';
/**
 * Sessions in PostgreSQL (the accounts database, usually): one statement per operation, each
 * committed (durable) before it resolves; compare-and-set is `UPDATE … WHERE sid AND rev`.
 * Connections and queries time out within seconds (503) and the pool reconnects by itself.
 */
export class PostgresBackend implements SessionBackend {
  private closed = false;
  private readonly reads: BatchedReader<StoredSession>;

  private constructor(private readonly pool: Pool) {
    this.reads = new BatchedReader(async (keys) => {
      const { rows } = await pool.query<StoredSession & { key: string }>(
        query(
          'read',
          'SELECT sid AS key, sess AS json, rev, expires::float8 AS expires FROM sessions WHERE sid = ANY($1)',
          [keys],
        ),
      );
      return rows;
    });
  }

  /** Connects and migrates; rejects with one line naming the database (never its password). */
  static async open(url: string): Promise<PostgresBackend> {
    const pool = await postgresPool(url, logger);
    try {
      await migrate(
        new Kysely({ dialect: new PostgresDialect({ pool }) }),
        MIGRATIONS,
        'session_migration',
      );
      return new PostgresBackend(pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      const where = describeDatabase({ type: 'postgres', url });
      throw new Error(`cannot use ${where} for sessions: ${reasonOf(error)}`, { cause: error });
    }
  }

  /** The reads of one turn share one query (a round trip and a parse each, otherwise). */
  read(sid: string): Promise<StoredSession | undefined> {
    return this.reads.get(sid);
  }

  async insert(sid: string, record: SessionRecord): Promise<void> {
    const update = COLUMNS.split(', ').map((column) => `${column} = excluded.${column}`);
    await this.pool.query(
      query(
        'insert',
        `INSERT INTO sessions (sid, rev, ${COLUMNS}) VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (sid) DO UPDATE SET rev = 1, ${update.join(', ')}`,
        [sid, ...recordValues(record)],
      ),
    );
  }

  async update(sid: string, record: SessionRecord, rev: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      query(
        'update',
        `UPDATE sessions SET rev = rev + 1, sess = $3, expires = $4, owner = $5, handle = $6,
           created_at = $7, last_seen = $8, user_agent = $9, ip = $10
         WHERE sid = $1 AND rev = $2`,
        [sid, rev, ...recordValues(record)],
      ),
    );
    return rowCount === 1;
  }

  async remove(sid: string): Promise<void> {
    await this.pool.query(query('remove', 'DELETE FROM sessions WHERE sid = $1', [sid]));
  }

  async listOwned(owner: string, now: number): Promise<SessionSummary[]> {
    const { rows } = await this.pool.query<SessionSummary>(
      query(
        'list-owned',
        `SELECT handle, created_at::float8 AS "createdAt", last_seen::float8 AS "lastSeen",
           user_agent AS "userAgent", ip
         FROM sessions WHERE owner = $1 AND expires > $2`,
        [owner, now],
      ),
    );
    return rows;
  }

  async removeOwned(owner: string, { handle, exceptHandle }: OwnedSelector): Promise<number> {
    const { rowCount } = await this.pool.query(
      query(
        'remove-owned',
        `DELETE FROM sessions WHERE owner = $1 AND ($2::text IS NULL OR handle = $2)
           AND ($3::text IS NULL OR handle IS DISTINCT FROM $3)`,
        [owner, handle ?? null, exceptHandle ?? null],
      ),
    );
    return rowCount ?? 0;
  }

  /**
   * Deletes in small batches, each locking only its own rows and skipping rows another
   * instance's purge holds, so two instances purge side by side and requests never wait long.
   */
  async purgeExpired(now: number): Promise<number> {
    let purged = 0;
    while (!this.closed) {
      const { rowCount } = await this.pool.query(
        query(
          'purge',
          `DELETE FROM sessions WHERE sid IN
             (SELECT sid FROM sessions WHERE expires <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
          [now, PURGE_BATCH],
        ),
      );
      purged += rowCount ?? 0;
      if ((rowCount ?? 0) < PURGE_BATCH) break;
    }
    await this.pool.query(
      query('purge-counts', 'DELETE FROM attempt_counts WHERE expire <= $1', [now]),
    );
    return purged;
  }

  async count(now: number): Promise<number> {
    const { rows } = await this.pool.query<{ count: number }>(
      query('count', 'SELECT count(*)::int AS count FROM sessions WHERE expires > $1', [now]),
    );
    return rows[0].count;
  }

  async clear(): Promise<void> {
    await this.pool.query('DELETE FROM sessions');
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /** Counts in `attempt_counts`, beside the sessions; expired ones go with `purgeExpired`. */
  attemptCounter({ name, points, duration }: AttemptCounterOptions): RateLimiterPostgres {
    return new PostgresAttemptCounter({
      storeClient: this.pool,
      storeType: 'pool',
      tableName: 'attempt_counts',
      tableCreated: true,
      clearExpiredByTimeout: false,
      keyPrefix: name,
      points,
      duration,
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.end();
  }
}

/** PostgreSQL text cannot hold NUL, which the auth limits put between a name and an address. */
class PostgresAttemptCounter extends RateLimiterPostgres {
  override getKey(key: string | number): string {
    return super.getKey(String(key).replaceAll('\\', '\\\\').replaceAll('\0', '\\0'));
  }
}
