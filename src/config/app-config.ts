import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { DatabaseTarget, RedisNode, RedisStoreOptions } from 'nest-session-auth';
import { AUTH_DEFAULTS, SESSION_DEFAULTS } from 'nest-session-auth/defaults';
import { logLevelSchema, type LogLevel } from '../logging/log-level.js';

/** Thrown for any bad setting; its message is the one line printed before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const SESSION_STORES = ['sqlite', 'redis', 'postgres', 'memory'] as const;
export type SessionStoreType = (typeof SESSION_STORES)[number];

export interface AppConfig {
  port: number;
  host?: string;
  production: boolean;
  dataDir: string;
  sessionStore: SessionStoreType;
  /** Where `SESSION_STORE=redis` keeps sessions: a server, Sentinel's primary or a Cluster. */
  redis: Omit<RedisStoreOptions, 'type'>;
  /**
   * Where accounts live: `DATA_DIR/accounts.db`, or the PostgreSQL server of `DATABASE_URL`
   * (with `SESSION_STORE=postgres`, the sessions too).
   */
  accountsDatabase: DatabaseTarget;
  /** First entry signs, all verify. */
  sessionSecrets: string[];
  /** Value for Express `trust proxy`; `false` when unset. */
  trustProxy: boolean | number | string;
  cookieName: string;
  /** Seconds. */
  idleTimeout: number;
  rememberMaxAge: number;
  absoluteTimeout: number;
  purgeInterval: number;
  /** Credential checks one client address may make per minute. */
  authAttemptsPerMinute: number;
  /** Log lines below this level are dropped. */
  logLevel: LogLevel;
  /** Port of the Prometheus listener (`METRICS_PORT`); undefined: no metrics at all. */
  metricsPort?: number;
  /** OpenTelemetry traces, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; undefined: none. */
  tracing?: TracingConfig;
  /** Settings that work but are unsafe; main.ts prints each as one line before starting. */
  warnings: string[];
}

export interface TracingConfig {
  /** Where spans go; the OTLP exporter reads it (and the other `OTEL_*` variables) itself. */
  endpoint: string;
  /** `OTEL_SERVICE_NAME`, or the app's name. */
  serviceName: string;
}

/** The service name traces carry unless `OTEL_SERVICE_NAME` says otherwise. */
export const DEFAULT_SERVICE_NAME = 'nest-session-auth';

/** In production, the shortest SESSION_SECRET entry accepted: guessing it must be out of reach. */
export const MIN_SECRET_LENGTH = 32;

/** setInterval cannot wait longer than 2^31-1 ms; beyond that Node fires after 1 ms. */
export const MAX_TIMER_SECONDS = 2_147_483;

/** A positive whole number (`unit`: what it counts, for the message), or `fallback` when unset. */
const positiveWhole = (name: string, fallback: number, unit: string, max = Infinity) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value <= 0 || value > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a positive whole number${unit}${Number.isFinite(max) ? `, at most ${max}` : ''} (got "${raw}")`,
        });
        return z.NEVER;
      }
      return value;
    });

const seconds = (name: string, fallback: number, max = Infinity) =>
  positiveWhole(name, fallback, ' of seconds', max);

/** A TCP port from `min` to 65535, or `fallback` when unset. */
const port = <T extends number | undefined>(name: string, fallback: T, min: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx): number | T => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > 65535) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a port number ${min}-65535 (got "${raw}")`,
        });
        return z.NEVER;
      }
      return value;
    });

/** A comma-separated `host:port` list, or undefined when unset. */
const nodeList = (name: string) =>
  z
    .string()
    .optional()
    .transform((raw, ctx): RedisNode[] | undefined => {
      if (raw === undefined || raw.trim() === '') return undefined;
      const nodes = raw
        .split(',')
        .map((entry) => /^\s*([\w.-]+|\[[\da-f:]+\]):(\d+)\s*$/i.exec(entry));
      if (nodes.some((node) => !node || Number(node[2]) < 1 || Number(node[2]) > 65535)) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a comma-separated list of host:port (got "${raw}")`,
        });
        return z.NEVER;
      }
      return nodes.map((node) => ({
        host: node![1].replace(/^\[|\]$/g, ''),
        port: Number(node![2]),
      }));
    });

const envSchema = z.object({
  PORT: port('PORT', 3000, 0),
  // Prometheus needs a known port: 0 (any free port) would be unreachable.
  METRICS_PORT: port('METRICS_PORT', undefined, 1),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .string()
    .optional()
    .refine(
      (url) => !url?.trim() || (/^https?:\/\//i.test(url.trim()) && URL.canParse(url.trim())),
      {
        message:
          'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL, or unset to turn tracing off',
      },
    ),
  OTEL_SERVICE_NAME: z.string().optional(),
  HOST: z.string().optional(),
  NODE_ENV: z.string().optional(),
  DATA_DIR: z.string().optional(),
  SESSION_STORE: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const store = ((raw ?? '').trim() || 'sqlite') as SessionStoreType;
      if (!SESSION_STORES.includes(store)) {
        ctx.addIssue({
          code: 'custom',
          message: `SESSION_STORE must be sqlite, redis, postgres or memory (got "${raw}")`,
        });
        return z.NEVER;
      }
      return store;
    }),
  REDIS_URL: z.string().optional(),
  REDIS_SENTINELS: nodeList('REDIS_SENTINELS'),
  REDIS_SENTINEL_NAME: z.string().optional(),
  REDIS_CLUSTER_NODES: nodeList('REDIS_CLUSTER_NODES'),
  REDIS_MIN_REPLICAS: z
    .string()
    .optional()
    .refine((raw) => !raw?.trim() || /^\d+$/.test(raw.trim()), {
      message: 'REDIS_MIN_REPLICAS must be a whole number, 0 or more',
    })
    .transform((raw) => (raw?.trim() ? Number(raw) : undefined)),
  DATABASE_URL: z.string().optional(),
  SESSION_SECRET: z.string().optional(),
  TRUST_PROXY: z.string().optional(),
  SESSION_COOKIE_NAME: z
    .string()
    .optional()
    .refine(
      (name) => name === undefined || name === '' || /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name),
      {
        message: 'SESSION_COOKIE_NAME must be a valid cookie name (letters, digits, - _ .)',
      },
    ),
  SESSION_IDLE_TIMEOUT: seconds('SESSION_IDLE_TIMEOUT', 7200),
  SESSION_REMEMBER_MAX_AGE: seconds('SESSION_REMEMBER_MAX_AGE', 2_592_000),
  SESSION_ABSOLUTE_TIMEOUT: seconds('SESSION_ABSOLUTE_TIMEOUT', 7_776_000),
  SESSION_PURGE_INTERVAL: seconds('SESSION_PURGE_INTERVAL', 900, MAX_TIMER_SECONDS),
  AUTH_ATTEMPTS_PER_MINUTE: positiveWhole(
    'AUTH_ATTEMPTS_PER_MINUTE',
    AUTH_DEFAULTS.attemptsPerMinute,
    '',
  ),
  LOG_LEVEL: logLevelSchema,
});

/**
 * Reads and validates the environment once, at start-up. Every problem becomes a
 * ConfigError whose message names the variable or path.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues[0].message);
  const vars = parsed.data;
  const production = vars.NODE_ENV === 'production';
  const dataDir = prepareDataDir(resolve(vars.DATA_DIR || './data'));
  const trustProxy = parseTrustProxy(vars.TRUST_PROXY, production);
  const accounts = accountsDatabase(vars.DATABASE_URL, dataDir);
  if (vars.SESSION_STORE === 'postgres' && accounts.type !== 'postgres') {
    throw new ConfigError(
      'SESSION_STORE=postgres keeps sessions in the database of DATABASE_URL, which must then be a postgres:// or postgresql:// URL',
    );
  }
  const redis = redisTarget(vars);
  if (vars.METRICS_PORT !== undefined && vars.METRICS_PORT === vars.PORT) {
    throw new ConfigError(
      `METRICS_PORT must differ from PORT (both ${vars.PORT}): metrics are never served on the public port`,
    );
  }
  const otlpEndpoint = vars.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return {
    port: vars.PORT,
    host: vars.HOST || undefined,
    production,
    dataDir,
    sessionStore: vars.SESSION_STORE,
    redis,
    accountsDatabase: accounts,
    sessionSecrets: sessionSecrets(vars.SESSION_SECRET, production, dataDir),
    trustProxy,
    cookieName: vars.SESSION_COOKIE_NAME || 'sid',
    idleTimeout: vars.SESSION_IDLE_TIMEOUT,
    rememberMaxAge: vars.SESSION_REMEMBER_MAX_AGE,
    absoluteTimeout: vars.SESSION_ABSOLUTE_TIMEOUT,
    purgeInterval: vars.SESSION_PURGE_INTERVAL,
    authAttemptsPerMinute: vars.AUTH_ATTEMPTS_PER_MINUTE,
    logLevel: vars.LOG_LEVEL,
    metricsPort: vars.METRICS_PORT,
    tracing: otlpEndpoint
      ? {
          endpoint: otlpEndpoint,
          serviceName: vars.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME,
        }
      : undefined,
    // parseTrustProxy refuses `true` in production, so here it is development.
    warnings:
      trustProxy === true
        ? [`TRUST_PROXY=true is accepted only outside production: ${TRUST_EVERY_HOP}`]
        : [],
  };
}

/** REDIS_URL, with REDIS_SENTINELS (and its master name) or REDIS_CLUSTER_NODES. */
function redisTarget(vars: z.infer<typeof envSchema>): AppConfig['redis'] {
  const { REDIS_SENTINELS: sentinels, REDIS_CLUSTER_NODES: cluster } = vars;
  if (sentinels && cluster) {
    throw new ConfigError('REDIS_SENTINELS and REDIS_CLUSTER_NODES exclude each other: set one');
  }
  if (cluster && vars.REDIS_MIN_REPLICAS) {
    throw new ConfigError('REDIS_MIN_REPLICAS is not supported with REDIS_CLUSTER_NODES');
  }
  return {
    url: vars.REDIS_URL || SESSION_DEFAULTS.redisUrl,
    sentinel: sentinels && {
      nodes: sentinels,
      name: vars.REDIS_SENTINEL_NAME?.trim() || undefined,
    },
    cluster: cluster && { nodes: cluster },
    minReplicas: vars.REDIS_MIN_REPLICAS,
  };
}

/** Why TRUST_PROXY=true is unsafe and what to use instead, for both the error and the warning. */
const TRUST_EVERY_HOP =
  'it trusts every hop, so clients choose their own address with X-Forwarded-For; set the number of proxies in front instead (e.g. TRUST_PROXY=1) or their addresses (e.g. TRUST_PROXY=10.0.0.1,10.0.0.2 or TRUST_PROXY=loopback)';

/** DATABASE_URL unset: SQLite in DATA_DIR; a postgres:// URL: that server. */
function accountsDatabase(raw: string | undefined, dataDir: string): DatabaseTarget {
  const url = raw?.trim() ?? '';
  if (url === '') return { type: 'sqlite', file: join(dataDir, 'accounts.db') };
  if (!/^postgres(ql)?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new ConfigError(
      'DATABASE_URL must be a postgres:// or postgresql:// URL, or unset to keep accounts in DATA_DIR',
    );
  }
  return { type: 'postgres', url };
}

function prepareDataDir(dir: string): string {
  try {
    // Only a directory made here is 0700: an existing one (/tmp, a shared volume) is left as it is.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new ConfigError(
      `DATA_DIR ${dir} is not a writable directory (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  return dir;
}

function sessionSecrets(raw: string | undefined, production: boolean, dataDir: string): string[] {
  if (raw !== undefined && raw.trim() !== '') {
    const secrets = raw.split(',').map((secret) => secret.trim());
    if (secrets.some((secret) => secret === '')) {
      throw new ConfigError('SESSION_SECRET must be a comma-separated list without empty entries');
    }
    if (production && secrets.some((secret) => secret.length < MIN_SECRET_LENGTH)) {
      throw new ConfigError(
        `SESSION_SECRET entries must each be at least ${MIN_SECRET_LENGTH} characters when NODE_ENV=production (e.g. from \`openssl rand -base64 32\`)`,
      );
    }
    return secrets;
  }
  if (production) throw new ConfigError('SESSION_SECRET is required when NODE_ENV=production');
  return [devSecret(dataDir)];
}

/** Outside production a secret is generated once and kept, so restarts keep sessions valid. */
function devSecret(dataDir: string): string {
  const file = join(dataDir, 'session-secret');
  try {
    // 'wx' fails if another instance on the same DATA_DIR wrote it first; then we read theirs.
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new ConfigError(
        `DATA_DIR ${dataDir}: cannot write ${file} (${(error as NodeJS.ErrnoException).code})`,
      );
    }
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret === '') throw new ConfigError(`${file} is empty: delete it to generate a new secret`);
  return secret;
}

function parseTrustProxy(raw: string | undefined, production: boolean): boolean | number | string {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' && production) {
    throw new ConfigError(
      `TRUST_PROXY=true is refused when NODE_ENV=production: ${TRUST_EVERY_HOP}`,
    );
  }
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value; // Express also accepts addresses, subnets and names such as 'loopback'.
}
