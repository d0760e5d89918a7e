import { Logger } from '@nestjs/common';
import { createClient, type RedisClientOptions, type RedisClientType } from 'redis';
import { RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';
import { redactUrl } from '../../database/database.js';
import { withDeadline } from './callback.js';
import { RedisScripts } from './redis-scripts.js';
import type {
  AttemptCounterOptions,
  OwnedSelector,
  SessionBackend,
  SessionRecord,
  SessionSummary,
  StoredSession,
} from './session-backend.js';
import { recordValues } from './session-backend.js';

const logger = new Logger('RedisSessionStore');

/**
 * An operation the server does not answer within this fails (503) instead of holding the
 * request; node-redis's own command timeout only covers commands not yet sent.
 */
const OPERATION_TIMEOUT_MS = 2000;
/** Start-up gives up after this; the spec allows 10 s for an unreachable Redis to be reported. */
const CONNECT_TIMEOUT_MS = 5000;

export interface RedisBackendOptions {
  url: string;
  /** Key prefix, so several apps can share one Redis; session ids never contain a colon. */
  prefix: string;
  /** Further node-redis client options (TLS, credentials and the like). */
  client?: RedisClientOptions;
}

/**
 * Sessions in Redis: a hash per session (data, revision, metadata) that Redis expires itself
 * (PEXPIREAT), written and indexed by one Lua script per operation (see redis-scripts.ts).
 * Commands are not queued while disconnected and fail after 2 s, so an outage is a quick 503,
 * not a hang; the client reconnects by itself.
 */
export class RedisBackend implements SessionBackend {
  private constructor(
    private readonly client: RedisClientType,
    private readonly scripts: RedisScripts,
    private readonly prefix: string,
  ) {}

  /** Connects (failing within a few seconds if Redis cannot be reached) and loads the scripts. */
  static async open(options: RedisBackendOptions): Promise<RedisBackend> {
    const client = await connect(options);
    const scripts = new RedisScripts(client);
    await scripts.load();
    return new RedisBackend(client, scripts, options.prefix);
  }

  async read(sid: string): Promise<StoredSession | undefined> {
    const [json, rev, expires] = await this.timed(
      this.client.hmGet(this.key(sid), ['json', 'rev', 'expired']),
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
    await this.timed(this.scripts.run('remove', [this.key(sid)], [this.prefix, sid]));
  }

  async listOwned(owner: string, now: number): Promise<SessionSummary[]> {
    const rows = (await this.timed(
      this.scripts.run('listOwned', [this.ownerKey(owner)], [String(now), this.prefix, owner]),
    )) as (string | null)[][];
    return rows.map(([handle, createdAt, lastSeen, userAgent, ip]) => ({
      handle: handle ?? '',
      createdAt: Number(createdAt),
      lastSeen: Number(lastSeen),
      userAgent: userAgent ?? '',
      ip: ip ?? '',
    }));
  }

  async removeOwned(owner: string, { handle, exceptHandle }: OwnedSelector): Promise<number> {
    const args = [this.prefix, owner, ...given(handle), ...given(exceptHandle)];
    return Number(await this.timed(this.scripts.run('removeOwned', [this.ownerKey(owner)], args)));
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
    for await (const keys of this.scan()) if (keys.length > 0) await this.client.unlink(keys);
  }

  async ping(): Promise<void> {
    await this.timed(this.client.ping());
  }

  attemptCounter({ name, points, duration }: AttemptCounterOptions): RLWrapperTimeouts {
    const limiter = new RateLimiterRedis({
      storeClient: this.client,
      useRedisPackage: true,
      keyPrefix: `${this.prefix}limit:${name}`,
      points,
      duration,
    });
    return new RLWrapperTimeouts({ limiter, timeoutMs: OPERATION_TIMEOUT_MS });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private write(script: 'insert' | 'update', sid: string, r: SessionRecord, extra: string[]) {
    const keys = r.owner === null ? [this.key(sid)] : [this.key(sid), this.ownerKey(r.owner)];
    const args = [...recordValues(r).map((value) => String(value ?? '')), sid, ...extra];
    return this.timed(this.scripts.run(script, keys, args));
  }

  private scan(type?: string) {
    return this.client.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 1000, TYPE: type });
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

/** A selector field as script arguments: whether it is given, and its value. */
const given = (value?: string) => [value === undefined ? '' : '1', value ?? ''];

/** A client that reconnects by itself once started, but reports a failed first connect at once. */
async function connect(options: RedisBackendOptions): Promise<RedisClientType> {
  let started = false;
  let lastError = '';
  const client = createClient({
    ...options.client,
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number, cause: Error) =>
        started ? Math.min(100 * 2 ** retries, 3000) : cause,
      ...options.client?.socket,
    },
  }) as RedisClientType;
  // Without a listener an 'error' event would crash the process; log each distinct one once.
  client.on('error', (error: Error) => {
    if (error.message !== lastError) logger.error(`Redis: ${(lastError = error.message)}`);
  });
  client.on('ready', () => {
    if (lastError) logger.log('Redis: connected again');
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
  return client;
}
