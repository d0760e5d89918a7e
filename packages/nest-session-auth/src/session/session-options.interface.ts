import type { RedisClientOptions } from 'redis';
import type { RedisNode } from './stores/redis-connection.js';
import type { SessionBackend } from './stores/session-backend.js';

/** A store named by type, for the backends this package ships. */
export type NamedSessionStore =
  /** In-process; for development and tests (lost on restart, not shared). */
  | { type: 'memory' }
  /** A SQLite file (WAL), shareable by processes on one machine. */
  | { type: 'sqlite'; file: string }
  /**
   * Redis, for instances on several machines. `client` takes further node-redis client
   * options (TLS, credentials, timeouts); `rediss://` URLs use TLS.
   */
  | RedisStoreOptions
  /** PostgreSQL (the accounts database, say), for instances on several machines without Redis. */
  | { type: 'postgres'; url: string };

export interface RedisStoreOptions {
  type: 'redis';
  /** The server; with `sentinel` or `cluster`, only its credentials (and database) apply. */
  url: string;
  /** @default 'nsa:' */
  prefix?: string;
  client?: RedisClientOptions;
  /**
   * Find the primary through these Sentinels and follow its failovers without a restart.
   * @example { nodes: [{ host: 'sentinel-1', port: 26379 }], name: 'mymaster' }
   */
  sentinel?: { nodes: RedisNode[]; /** @default 'mymaster' */ name?: string };
  /** A Redis Cluster, found through any of these nodes. */
  cluster?: { nodes: RedisNode[] };
  /**
   * Replicas that must have each session write (`WAIT`, 1 s) before it is acknowledged; a write
   * they do not confirm in time fails (503), so an answered write survives a failover.
   * Not supported with `cluster`.
   * @default 1 with `sentinel`, else 0
   */
  minReplicas?: number;
}

/** Where sessions are kept: a named store, or a backend of your own (or a function making one). */
export type SessionStoreOptions =
  NamedSessionStore | SessionBackend | (() => SessionBackend | Promise<SessionBackend>);

export interface SessionModuleOptions {
  /**
   * Signing secrets: the first signs new cookies, all verify (rotation). Left out, the
   * comma-separated list in `SESSION_SECRET`; with neither, an error in production
   * (`NODE_ENV=production`) and elsewhere a random secret per process.
   * @default process.env.SESSION_SECRET?.split(',')
   */
  secret?: string | string[];
  /**
   * Session cookie name; a neutral one does not advertise the framework.
   * @default 'sid'
   */
  name?: string;
  /**
   * A named store (its name alone, `'sqlite'`, `'redis'` or `'memory'`, takes its defaults:
   * `data/sessions.db`, `redis://127.0.0.1:6379`), or any object implementing `SessionBackend`
   * (or a function returning one).
   * @default { type: 'memory' }
   */
  store?: SessionStoreOptions | Exclude<NamedSessionStore['type'], 'postgres'>;
  /**
   * Seconds of inactivity after which a browser session (no "remember me") ends.
   * @default 7200
   */
  idleTimeout?: number;
  /**
   * Seconds a remembered session lasts without activity (the cookie's Max-Age, sliding).
   * @default 2592000
   */
  rememberMaxAge?: number;
  /**
   * Seconds after sign-in when any session ends, whatever the activity.
   * @default 7776000
   */
  absoluteTimeout?: number;
  /**
   * Seconds between purges of expired sessions from the store.
   * @default 900
   */
  purgeInterval?: number;
  /**
   * Mark cookies `Secure` on HTTPS requests. Behind a TLS-terminating proxy, also set Express
   * `trust proxy` so the request is known to be HTTPS.
   * @default false
   */
  secureCookies?: boolean;
  /** CSRF protection, which every state-changing request passes unless excluded here. */
  csrf?: CsrfOptions;
}

export interface CsrfOptions {
  /**
   * Paths that take no CSRF token, such as webhooks signed by their sender, as route patterns
   * (`'/webhooks/{*path}'`, `'/hooks/:provider'`).
   * @default []
   */
  exclude?: string[];
}

/** Options with every default applied and the secrets as a list. */
export type ResolvedSessionOptions = Required<
  Omit<SessionModuleOptions, 'secret' | 'csrf' | 'store'>
> & {
  store: SessionStoreOptions;
  secrets: string[];
  csrf: Required<CsrfOptions>;
};
