/** Injection token of the express-session store in use. */
export const SESSION_STORE = Symbol('SESSION:STORE');

/** Injection token of the options with defaults applied and validated. */
export const RESOLVED_SESSION_OPTIONS = Symbol('SESSION:RESOLVED_OPTIONS');

/** How often at most a session's `lastSeen` is rewritten (and its expiry moved), by default. */
export const ACTIVITY_RESOLUTION_MS = 60_000;

/**
 * Defaults applied by `SessionModule` to options left out.
 * @example SESSION_DEFAULTS.idleTimeout // 7200 seconds
 */
export const SESSION_DEFAULTS = {
  name: 'sid',
  idleTimeout: 7200,
  rememberMaxAge: 2_592_000,
  absoluteTimeout: 7_776_000,
  purgeInterval: 900,
  secureCookies: false,
  /** The file of `store: 'sqlite'`. */
  sqliteFile: 'data/sessions.db',
  /** The server of `store: 'redis'`. */
  redisUrl: 'redis://127.0.0.1:6379',
  /** The Sentinel master group of a Redis store with `sentinel`. */
  redisSentinelName: 'mymaster',
  csrfCookieName: 'csrf',
  visitorCookieName: 'visitor',
} as const;
