import { RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';
import { withDeadline } from './callback.js';
import {
  connectRedis,
  type RedisConnectOptions,
  type RedisConnection,
} from './redis-connection.js';
import { ReplicaAcks } from './redis-replicas.js';
import { loadScripts, runScript, type ScriptName } from './redis-scripts.js';
import type {
  AttemptCounterOptions,
  OwnedSelector,
  SessionBackend,
  SessionRecord,
  SessionSummary,
  StoredSession,
} from './session-backend.js';
import { recordValues, selects } from './session-backend.js';

/**
 * An operation the server does not answer within this fails (503) instead of holding the
 * request; node-redis's own command timeout only covers commands not yet sent.
 */
const OPERATION_TIMEOUT_MS = 2000;
/** How long a write waits for its replicas before it fails (within the operation's 2 s). */
const REPLICA_TIMEOUT_MS = 1000;

export interface RedisBackendOptions extends RedisConnectOptions {
  /** Key prefix, so several apps can share one Redis; session ids never contain a colon. */
  prefix: string;
  /** Replicas each session write must reach (WAIT) before it is acknowledged; default 1 with Sentinel, else 0. */
  minReplicas?: number;
}

const SUMMARY = ['owner', 'handle', 'createdAt', 'lastSeen', 'userAgent', 'ip', 'expired'];

/**
 * Sessions in Redis: a hash per session (data, revision, metadata) that Redis expires itself
 * (PEXPIREAT), written and indexed by one Lua script (see redis-scripts.ts), so a page view is
 * one HMGET and a write one EVALSHA. An owner's index may hold ids of sessions gone since (a
 * sign-out is one UNLINK): listing checks each against its hash, so a Cluster can keep the
 * index in another slot. With `minReplicas`, a write is answered only once replicas have it.
 */
export class RedisBackend implements SessionBackend {
  private readonly acks?: ReplicaAcks;

  private constructor(
    private readonly connection: RedisConnection,
    private readonly prefix: string,
    minReplicas: number,
  ) {
    if (minReplicas > 0) {
      this.acks = new ReplicaAcks(connection.redis, minReplicas, REPLICA_TIMEOUT_MS);
    }
  }

  /** Connects (failing within a few seconds if Redis cannot be reached) and loads the scripts. */
  static async open({
    prefix,
    minReplicas,
    ...options
  }: RedisBackendOptions): Promise<RedisBackend> {
    const replicas = minReplicas ?? (options.sentinel ? 1 : 0);
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new TypeError('RedisBackend: minReplicas must be a whole number, 0 or more');
    }
    if (replicas > 0 && options.cluster) {
      throw new TypeError('RedisBackend: minReplicas is not supported with a Cluster');
    }
    const connection = await connectRedis(options);
    for (const primary of await connection.primaries()) await loadScripts(primary);
    return new RedisBackend(connection, prefix, replicas);
  }

  private get redis() {
    return this.connection.redis;
  }

  async read(sid: string): Promise<StoredSession | undefined> {
    const [json, rev, expires] = await this.timed(
      this.redis.hmGet(this.key(sid), ['json', 'rev', 'expired']),
    );
    if (json == null || rev == null) return undefined;
    return { json, rev: Number(rev), expires: Number(expires) };
  }

  async insert(sid: string, record: SessionRecord): Promise<void> {
    await this.write('insert', sid, record, []);
  }

  async update(sid: string, record: SessionRecord, rev: number): Promise<boolean> {
    return (await this.write('update', sid, record, [String(rev)])) === 1;
  }

  async remove(sid: string): Promise<void> {
    await this.timed(this.redis.unlink(this.key(sid)));
  }

  async listOwned(owner: string, now: number): Promise<SessionSummary[]> {
    const owned = await this.timed(this.owned(owner, now));
    return owned.map(([, handle, createdAt, lastSeen, userAgent, ip]) => ({
      handle: handle ?? '',
      createdAt: Number(createdAt),
      lastSeen: Number(lastSeen),
      userAgent: userAgent ?? '',
      ip: ip ?? '',
    }));
  }

  async removeOwned(owner: string, which: OwnedSelector): Promise<number> {
    const owned = await this.timed(this.owned(owner, 0));
    const chosen = owned.filter(([, handle]) => selects(which, handle));
    const sids = chosen.map(([sid]) => sid!);
    const removed = await this.timed(
      Promise.all(sids.map((sid) => this.redis.unlink(this.key(sid)))),
    );
    if (sids.length > 0) await this.timed(this.redis.zRem(this.ownerKey(owner), sids));
    return removed.reduce((sum, n) => sum + n, 0);
  }

  /** Redis expires sessions itself (and owner indexes with their last session). */
  async purgeExpired(): Promise<number> {
    return 0;
  }

  /** SCAN, never KEYS (which blocks the server); indexes are sorted sets and counts strings. */
  async count(): Promise<number> {
    let count = 0;
    for await (const keys of this.scan('hash')) count += keys.length;
    return count;
  }

  async clear(): Promise<void> {
    for await (const keys of this.scan()) {
      await Promise.all(keys.map((key) => this.redis.unlink(key)));
    }
  }

  async ping(): Promise<void> {
    await this.timed(this.redis.ping());
  }

  attemptCounter({ name, points, duration }: AttemptCounterOptions): RLWrapperTimeouts {
    const limiter = new RateLimiterRedis({
      storeClient: this.connection.raw,
      useRedisPackage: true,
      keyPrefix: `${this.prefix}limit:${name}`,
      points,
      duration,
    });
    return new RLWrapperTimeouts({ limiter, timeoutMs: OPERATION_TIMEOUT_MS });
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /**
   * One script that writes the session and its index; in a Cluster the index is in another slot
   * and written beside it, before a new session, so that no session is ever left out of it.
   */
  private write(script: ScriptName, sid: string, r: SessionRecord, extra: string[]) {
    const args = [...recordValues(r).map((value) => String(value ?? '')), sid, ...extra];
    const key = this.key(sid);
    const run = async () => {
      if (r.owner === null) return runScript(this.redis, script, [key], args);
      const index = this.ownerKey(r.owner);
      if (!this.connection.cluster) return runScript(this.redis, script, [key, index], args);
      const indexed = runScript(this.redis, 'index', [index], [String(r.expires), sid]);
      if (script === 'insert') await indexed;
      return (await Promise.all([runScript(this.redis, script, [key], args), indexed]))[0];
    };
    return this.timed(
      run().then(async (result) => {
        await this.acks?.confirm();
        return result;
      }),
    );
  }

  /**
   * The owner's sessions live at `now` as [sid, handle, createdAt, lastSeen, userAgent, ip].
   * Index entries are dropped only once their score (expiry) has passed: in a Cluster a new
   * session is indexed just before it is written, so a missing hash may be one about to appear.
   */
  private async owned(owner: string, now: number) {
    const index = this.ownerKey(owner);
    const [, sids] = await Promise.all([
      this.redis.zRemRangeByScore(index, '-inf', now),
      this.redis.zRange(index, 0, -1),
    ]);
    const rows = await Promise.all(sids.map((sid) => this.redis.hmGet(this.key(sid), SUMMARY)));
    const live = (row: (string | null)[]) => row[0] === owner && Number(row[6]) > now;
    return sids.flatMap((sid, i) => (live(rows[i]) ? [[sid, ...rows[i].slice(1, 6)]] : []));
  }

  private async *scan(type?: string): AsyncGenerator<string[]> {
    for (const primary of await this.connection.primaries()) {
      let cursor = '0';
      do {
        const reply = await primary.scan(cursor, {
          MATCH: `${this.prefix}*`,
          COUNT: 1000,
          TYPE: type,
        });
        cursor = reply.cursor;
        yield reply.keys;
      } while (cursor !== '0');
    }
  }

  private timed<T>(operation: Promise<T>): Promise<T> {
    return withDeadline(operation, OPERATION_TIMEOUT_MS, 'Redis');
  }

  private key(sid: string): string {
    return `${this.prefix}${sid}`;
  }

  private ownerKey(owner: string): string {
    return `${this.prefix}owner:${owner}`;
  }
}
