import { Logger } from '@nestjs/common';
import { createClient, createCluster, createSentinel, type RedisClientOptions } from 'redis';
import { redactUrl } from '../../database/database.js';
import { SESSION_DEFAULTS } from '../session.constants.js';
import { withDeadline } from './callback.js';
import type { ScriptRunner } from './redis-scripts.js';

/** A Redis server or Sentinel. */
export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisConnectOptions {
  /** The server; with `sentinel` or `cluster` only its credentials and database number apply. */
  url: string;
  client?: RedisClientOptions;
  sentinel?: { nodes: RedisNode[]; name?: string };
  cluster?: { nodes: RedisNode[] };
}

/** The commands the store sends: a client, a Sentinel and a Cluster (routing by key) all have them. */
export interface RedisCommands extends ScriptRunner {
  hmGet(key: string, fields: string[]): Promise<(string | null)[]>;
  zRange(key: string, start: number, stop: number): Promise<string[]>;
  zRem(key: string, members: string[]): Promise<number>;
  zRemRangeByScore(key: string, min: string, max: number): Promise<number>;
  unlink(key: string): Promise<number>;
  ping(): Promise<string>;
  wait(replicas: number, timeoutMs: number): Promise<number>;
  scan(
    cursor: string,
    options: { MATCH: string; COUNT: number; TYPE?: string },
  ): Promise<{ cursor: string; keys: string[] }>;
}

export interface RedisConnection {
  redis: RedisCommands;
  /** The node-redis object itself, for libraries that take one (the rate limiter). */
  raw: unknown;
  /** True when one operation's keys may live on different servers (a Cluster). */
  cluster: boolean;
  /** Every primary, for commands that must visit each (SCAN). */
  primaries(): Promise<RedisCommands[]>;
  close(): Promise<void>;
}

/** Start-up gives up after this; the spec allows 10 s for an unreachable Redis to be reported. */
const CONNECT_TIMEOUT_MS = 5000;

const logger = new Logger('RedisSessionStore');

/**
 * Connects to one server, to the primary Sentinel names (following its failovers), or to a
 * Cluster. Once started it reconnects by itself; commands are not queued while disconnected, so
 * an outage is a quick error (503), not a hang. A failed start rejects with one line.
 */
export async function connectRedis(options: RedisConnectOptions): Promise<RedisConnection> {
  let started = false;
  const log = errorLog();
  const client: RedisClientOptions = {
    ...options.client,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number, cause: Error) =>
        started ? Math.min(100 * 2 ** retries, 3000) : cause,
      ...options.client?.socket,
    },
  };
  const { sentinel, cluster } = options;
  const clusterClient =
    cluster &&
    createCluster({
      rootNodes: cluster.nodes.map((socket) => ({ socket })),
      defaults: { ...client, ...credentials(options.url), database: undefined },
    });
  const raw = (clusterClient ??
    (sentinel
      ? createSentinel({
          name: sentinel.name ?? SESSION_DEFAULTS.redisSentinelName,
          sentinelRootNodes: sentinel.nodes,
          nodeClientOptions: { ...client, ...credentials(options.url) },
          sentinelClientOptions: { socket: { connectTimeout: CONNECT_TIMEOUT_MS } },
          passthroughClientErrorEvents: true,
          // Each round waits 1 s: give up at start-up after a few, not the default 16.
          maxCommandRediscovers: 2,
        })
      : createClient({ ...client, url: options.url }))) as unknown as Connectable;
  raw.on('error', log.error);
  raw.on('ready', log.ready);
  try {
    await withDeadline(raw.connect(), CONNECT_TIMEOUT_MS, 'Redis');
  } catch (error) {
    // A failed connect may have closed it already (then destroy throws).
    void Promise.resolve()
      .then(() => raw.destroy())
      .catch(() => undefined);
    const { message } = error as Error;
    const why = log.last && !message.includes(log.last) ? `${message} (${log.last})` : message;
    throw new Error(`cannot connect to Redis ${where(options)}: ${why}`, { cause: error });
  }
  started = true;
  return {
    redis: raw,
    raw,
    cluster: clusterClient !== undefined,
    primaries: async () =>
      clusterClient
        ? ((await Promise.all(
            clusterClient.masters.map((node) => clusterClient.nodeClient(node)),
          )) as unknown as RedisCommands[])
        : [raw],
    close: () => raw.close(),
  };
}

/** What the three kinds of node-redis object have in common, as far as the store goes. */
interface Connectable extends RedisCommands {
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): unknown;
  on(event: 'error' | 'ready', listener: (error: unknown) => void): unknown;
}

/** Logs each distinct error once (without a listener an 'error' event would crash the process). */
function errorLog() {
  const log = {
    last: '',
    error: (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== log.last) logger.error(`Redis: ${(log.last = message)}`);
    },
    ready: () => {
      if (log.last) logger.log('Redis: connected again');
      log.last = '';
    },
  };
  return log;
}

/** What of the URL still applies when Sentinel or the Cluster says where the servers are. */
function credentials(url: string) {
  const { username, password, pathname } = new URL(url);
  return {
    username: decodeURIComponent(username) || undefined,
    password: decodeURIComponent(password) || undefined,
    database: Number(pathname.slice(1)) || undefined,
  };
}

const list = (nodes: RedisNode[]) => nodes.map(({ host, port }) => `${host}:${port}`).join(',');

function where({ url, sentinel, cluster }: RedisConnectOptions): string {
  if (sentinel)
    return `through the Sentinels ${list(sentinel.nodes)} (master ${sentinel.name ?? SESSION_DEFAULTS.redisSentinelName})`;
  return cluster ? `Cluster at ${list(cluster.nodes)}` : `at ${redactUrl(url)}`;
}
