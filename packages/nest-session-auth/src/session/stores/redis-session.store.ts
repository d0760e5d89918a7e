import { Logger } from '@nestjs/common';
import { RedisStore } from 'connect-redis';
import type { Request } from 'express';
import type { SessionData } from 'express-session';
import { createClient, type RedisClientOptions, type RedisClientType } from 'redis';
import type { SessionLifetime } from '../session-lifetime.js';
import { type Callback, settle, withDeadline } from './callback.js';
import { RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';
import type {
  AttemptCounterOptions,
  ManagedSessionStore,
  SessionSummary,
} from './managed-session-store.js';
import {
  SessionPersistence,
  type MergeCheck,
  type SessionBackend,
  type SessionColumns,
  type StoredSession,
} from './session-persistence.js';

/**
 * An operation the server does not answer within this fails (503) instead of holding the
 * request; node-redis's own command timeout only covers commands not yet sent.
 */
const OPERATION_TIMEOUT_MS = 2000;
/** Start-up gives up after this; the spec allows 10 s for an unreachable Redis to be reported. */
const CONNECT_TIMEOUT_MS = 5000;

/** Attempt counts sit under `<prefix>limit:`; session ids never contain a colon. */
const LIMIT_PREFIX = 'limit:';

const META_FIELDS = ['handle', 'createdAt', 'lastSeen', 'userAgent', 'ip'] as const;

/** Writes a session that was never loaded, replacing whatever was there. */
const INSERT = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'rev', 1, 'expired', ARGV[2], 'owner', ARGV[3], 'handle', ARGV[4],
  'createdAt', ARGV[5], 'lastSeen', ARGV[6], 'userAgent', ARGV[7], 'ip', ARGV[8])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`;

/** Compare-and-set: writes only if the session still has the revision the request loaded. */
const UPDATE = `
local rev = redis.call('HGET', KEYS[1], 'rev')
if rev ~= ARGV[9] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'rev', tonumber(rev) + 1, 'expired', ARGV[2], 'owner', ARGV[3],
  'handle', ARGV[4], 'createdAt', ARGV[5], 'lastSeen', ARGV[6], 'userAgent', ARGV[7], 'ip', ARGV[8])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`;

export interface RedisSessionStoreOptions {
  url: string;
  /** Key prefix, so several apps can share one Redis. */
  prefix: string;
  /** Further node-redis client options (TLS, credentials and the like). */
  client?: RedisClientOptions;
}

/**
 * Sessions in Redis: connect-redis 9 as the express-session Store base, with the data methods
 * replaced by the same rules as the SQLite store. A session is a hash (data, revision, metadata)
 * that Redis expires itself (PEXPIREAT); saves are Lua compare-and-set scripts. The per-owner
 * index is a sorted set of session ids scored by expiry, written before the session (so it is
 * never missing one), pruned of expired ids whenever read, and expiring with its last session.
 * Each command fails after 2 s and none is queued while disconnected, so an outage is a quick
 * 503, not a hang; the client reconnects by itself.
 */
export class RedisSessionStore extends RedisStore implements ManagedSessionStore, SessionBackend {
  private static readonly logger = new Logger('RedisSessionStore');
  private readonly persistence: SessionPersistence;
  /** connect-redis keeps the client untyped; this is the same client, typed. */
  private readonly redis: RedisClientType;
  private readonly keyPrefix: string;

  private constructor(client: RedisClientType, prefix: string, lifetime: SessionLifetime) {
    super({ client, prefix });
    this.redis = client;
    this.keyPrefix = prefix;
    this.persistence = new SessionPersistence(this, lifetime);
  }

  /** Connects (failing within a few seconds if Redis cannot be reached), then creates the store. */
  static async open(
    options: RedisSessionStoreOptions,
    lifetime: SessionLifetime,
  ): Promise<RedisSessionStore> {
    let started = false;
    let lastError = '';
    const client = createClient({
      ...options.client,
      url: options.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        // Give up at once during start-up (so a wrong REDIS_URL is reported); once running, retry forever.
        reconnectStrategy: (retries: number, cause: Error) =>
          started ? Math.min(100 * 2 ** retries, 3000) : cause,
        ...options.client?.socket,
      },
    }) as RedisClientType;
    // Without a listener an 'error' event would crash the process; log each distinct one once.
    client.on('error', (error: Error) => {
      if (error.message !== lastError)
        RedisSessionStore.logger.error(`Redis: ${(lastError = error.message)}`);
    });
    client.on('ready', () => {
      if (lastError) RedisSessionStore.logger.log('Redis: connected again');
      lastError = '';
    });
    try {
      await client.connect();
    } catch (error) {
      if (client.isOpen) client.destroy(); // a failed connect may have closed it already
      throw new Error(
        `cannot connect to Redis at ${redactUrl(options.url)}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    started = true;
    return new RedisSessionStore(client, options.prefix, lifetime);
  }

  // The overrides are async only because connect-redis declares them so; they answer through the callback.
  override async get(sid: string, callback: Callback<SessionData | null>): Promise<void> {
    settle(this.timed(this.readLive(sid)), callback);
  }

  override async set(sid: string, data: SessionData, callback?: Callback): Promise<void> {
    settle(this.timed(this.persistence.save(sid, data)), callback);
  }

  override createSession(req: Request, data: SessionData) {
    const created = super.createSession(req, data);
    this.persistence.adopt(created, data);
    return created;
  }

  override async destroy(sid: string, callback?: Callback): Promise<void> {
    settle(this.timed(this.redis.del(this.key(sid)).then(() => undefined)), callback);
  }

  /** As for SQLite: activity is recorded through `lastSeen`, at most once a minute. */
  override async touch(_sid: string, _data: SessionData, callback?: Callback): Promise<void> {
    if (callback) process.nextTick(callback, null);
  }

  override async length(callback: Callback<number>): Promise<void> {
    settle(
      this.sessionKeys().then((keys) => keys.length),
      callback,
    );
  }

  override async clear(callback?: Callback): Promise<void> {
    const cleared = this.redis.keys(`${this.keyPrefix}*`).then(async (keys) => {
      if (keys.length > 0) await this.redis.del(keys);
    });
    settle(cleared, callback);
  }

  override async all(callback: Callback<SessionData[]>): Promise<void> {
    const sessions = this.sessionKeys().then(async (keys) => {
      const rows = await Promise.all(keys.map((key) => this.readKey(key)));
      return rows.filter((row) => row !== undefined).map((row) => this.persistence.decode(row));
    });
    settle(
      sessions.then((list) => list.filter((data) => data !== null)),
      callback,
    );
  }

  async read(sid: string): Promise<StoredSession | undefined> {
    return this.readKey(this.key(sid));
  }

  async insert(sid: string, json: string, columns: SessionColumns): Promise<void> {
    await this.index(sid, columns);
    await this.redis.eval(INSERT, {
      keys: [this.key(sid)],
      arguments: scriptArguments(json, columns),
    });
  }

  async update(sid: string, json: string, columns: SessionColumns, rev: number): Promise<boolean> {
    await this.index(sid, columns);
    const written = await this.redis.eval(UPDATE, {
      keys: [this.key(sid)],
      arguments: [...scriptArguments(json, columns), String(rev)],
    });
    return written === 1;
  }

  listOwned(owner: string): Promise<SessionSummary[]> {
    return this.timed(this.readOwned(owner));
  }

  destroyOwned(owner: string, which: { handle?: string; exceptHandle?: string }): Promise<number> {
    return this.timed(this.deleteOwned(owner, which));
  }

  /** Redis expires sessions itself (and owner indexes with their last session): nothing to do. */
  async purgeExpired(): Promise<number> {
    return 0;
  }

  attemptCounter({ name, points, duration }: AttemptCounterOptions): RLWrapperTimeouts {
    const limiter = new RateLimiterRedis({
      storeClient: this.redis,
      useRedisPackage: true,
      keyPrefix: `${this.keyPrefix}${LIMIT_PREFIX}${name}`,
      points,
      duration,
    });
    return new RLWrapperTimeouts({ limiter, timeoutMs: OPERATION_TIMEOUT_MS });
  }

  addMergeCheck(check: MergeCheck): void {
    this.persistence.addMergeCheck(check);
  }

  async ping(): Promise<void> {
    await this.timed(this.redis.ping());
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private timed<T>(operation: Promise<T>): Promise<T> {
    return withDeadline(operation, OPERATION_TIMEOUT_MS, 'Redis');
  }

  private async readOwned(owner: string): Promise<SessionSummary[]> {
    const now = Date.now();
    const summaries: SessionSummary[] = [];
    for (const sid of await this.ownedIds(owner, now)) {
      const [handle, createdAt, lastSeen, userAgent, ip, expired] = await this.redis.hmGet(
        this.key(sid),
        [...META_FIELDS, 'expired'],
      );
      if (handle && Number(expired) > now) {
        summaries.push({
          handle,
          createdAt: Number(createdAt),
          lastSeen: Number(lastSeen),
          userAgent: userAgent ?? '',
          ip: ip ?? '',
        });
      }
    }
    return summaries.toSorted((a, b) => b.lastSeen - a.lastSeen);
  }

  private async deleteOwned(
    owner: string,
    { handle, exceptHandle }: { handle?: string; exceptHandle?: string },
  ): Promise<number> {
    const doomed: string[] = [];
    for (const sid of await this.ownedIds(owner, Date.now())) {
      const current = await this.redis.hGet(this.key(sid), 'handle');
      if (current == null) continue;
      if (
        (handle === undefined || current === handle) &&
        (exceptHandle === undefined || current !== exceptHandle)
      ) {
        doomed.push(sid);
      }
    }
    if (doomed.length === 0) return 0;
    await this.redis.zRem(this.ownerKey(owner), doomed);
    return this.redis.del(doomed.map((sid) => this.key(sid)));
  }

  private async readLive(sid: string): Promise<SessionData | null> {
    const row = await this.readKey(this.key(sid));
    return row ? this.persistence.decode(row) : null;
  }

  private async readKey(key: string): Promise<StoredSession | undefined> {
    const [json, rev, expired] = await this.redis.hmGet(key, ['json', 'rev', 'expired']);
    if (json == null || rev == null || Number(expired) <= Date.now()) return undefined;
    return { json, rev: Number(rev) };
  }

  /** Adds the session to its owner's index before the session is written, so the index is never short. */
  private async index(sid: string, { owner, expired }: SessionColumns): Promise<void> {
    if (owner === null) return;
    const key = this.ownerKey(owner);
    await this.redis
      .multi()
      .zAdd(key, { score: expired, value: sid })
      .pExpireAt(key, expired, 'NX')
      .pExpireAt(key, expired, 'GT')
      .exec();
  }

  private async ownedIds(owner: string, now: number): Promise<string[]> {
    const key = this.ownerKey(owner);
    await this.redis.zRemRangeByScore(key, '-inf', now);
    return this.redis.zRange(key, 0, -1);
  }

  private async sessionKeys(): Promise<string[]> {
    const keys = await this.redis.keys(`${this.keyPrefix}*`);
    return keys.filter(
      (key) =>
        !key.startsWith(`${this.keyPrefix}owner:`) &&
        !key.startsWith(`${this.keyPrefix}${LIMIT_PREFIX}`),
    );
  }

  private key(sid: string): string {
    return `${this.keyPrefix}${sid}`;
  }

  private ownerKey(owner: string): string {
    return `${this.keyPrefix}owner:${owner}`;
  }
}

function scriptArguments(json: string, columns: SessionColumns): string[] {
  const { expired, owner, handle, createdAt, lastSeen, userAgent, ip } = columns;
  return [
    json,
    String(expired),
    owner ?? '',
    handle ?? '',
    String(createdAt ?? ''),
    String(lastSeen ?? ''),
    userAgent ?? '',
    ip ?? '',
  ];
}

/** Never print a password from the URL. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}
