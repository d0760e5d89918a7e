import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { SESSION_DEFAULTS } from './session.constants.js';
import type {
  ResolvedSessionOptions,
  SessionModuleOptions,
  SessionStoreOptions,
} from './session-options.interface.js';
import { isSessionBackend } from './stores/session-backend.js';

const STORE_TYPES: readonly string[] = ['memory', 'sqlite', 'redis', 'postgres'];

/** setInterval cannot wait longer than 2^31-1 ms. */
const MAX_PURGE_INTERVAL = 2_147_483;

const POSITIVE_SECONDS = [
  'idleTimeout',
  'rememberMaxAge',
  'absoluteTimeout',
  'purgeInterval',
] as const;

/** Applies defaults and rejects options that cannot work, naming the rule broken. */
export function resolveSessionOptions(
  options: SessionModuleOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedSessionOptions {
  const resolved: ResolvedSessionOptions = {
    ...SESSION_DEFAULTS,
    ...withoutUndefined(options),
    store: storeOf(options.store),
    secrets: secretsOf(options.secret ?? env.SESSION_SECRET?.split(','), env),
    csrf: { exclude: [], ...options.csrf },
  };
  for (const key of POSITIVE_SECONDS) {
    if (!Number.isInteger(resolved[key]) || resolved[key] <= 0) {
      throw new TypeError(`SessionModule: ${key} must be a positive whole number of seconds`);
    }
  }
  if (resolved.purgeInterval > MAX_PURGE_INTERVAL) {
    throw new TypeError(
      `SessionModule: purgeInterval must be at most ${MAX_PURGE_INTERVAL} seconds (a timer limit)`,
    );
  }
  const { store } = resolved;
  if (
    typeof store !== 'function' &&
    !isSessionBackend(store) &&
    !STORE_TYPES.includes(store.type)
  ) {
    throw new TypeError(
      `SessionModule: unknown store type "${String(store.type)}" (expected ${STORE_TYPES.join(', ')}, or a SessionBackend)`,
    );
  }
  return resolved;
}

/** The store's options; a name alone means its defaults. */
function storeOf(store: SessionModuleOptions['store']): SessionStoreOptions {
  switch (store) {
    case undefined:
    case 'memory':
      return { type: 'memory' };
    case 'sqlite':
      return { type: 'sqlite', file: SESSION_DEFAULTS.sqliteFile };
    case 'redis':
      return { type: 'redis', url: SESSION_DEFAULTS.redisUrl };
    default:
      return store;
  }
}

/**
 * The signing secrets. None given: outside production a random one, so a new app runs at once
 * (its sessions end when the process restarts); in production, an error of one line.
 */
function secretsOf(secret: SessionModuleOptions['secret'], env: NodeJS.ProcessEnv): string[] {
  const secrets = secret === undefined ? [] : Array.isArray(secret) ? secret : [secret];
  if (secrets.some((one) => typeof one !== 'string' || one === '')) {
    throw new TypeError('SessionModule: secret must be a non-empty string or a list of them');
  }
  if (secrets.length > 0) return secrets;
  if (env.NODE_ENV === 'production') throw new MissingSecretError();
  new Logger('SessionModule').warn(
    'no secret given: signing with a random one, so sessions end when the process stops. Set SESSION_SECRET.',
  );
  return [randomBytes(32).toString('base64url')];
}

/** Without a stack: Nest prints a start-up error with its stack, and this one needs one line. */
export class MissingSecretError extends Error {
  constructor() {
    super(
      'SessionModule: no secret in production. Set SESSION_SECRET (one or more comma-separated secrets; the first signs) or pass `secret`.',
    );
    this.stack = `${this.name}: ${this.message}`;
  }
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
