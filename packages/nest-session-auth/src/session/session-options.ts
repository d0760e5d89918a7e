import { SESSION_DEFAULTS } from './session.constants.js';
import type { ResolvedSessionOptions, SessionModuleOptions } from './session-options.interface.js';
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
export function resolveSessionOptions(options: SessionModuleOptions): ResolvedSessionOptions {
  const secrets = Array.isArray(options.secret) ? options.secret : [options.secret];
  if (
    secrets.length === 0 ||
    secrets.some((secret) => typeof secret !== 'string' || secret === '')
  ) {
    throw new TypeError(
      'SessionModule: secret must be a non-empty string or a non-empty list of them',
    );
  }
  const resolved: ResolvedSessionOptions = {
    ...SESSION_DEFAULTS,
    store: { type: 'memory' },
    ...withoutUndefined(options),
    secrets,
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

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
