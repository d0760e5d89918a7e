/** Injection token of the `AuthLimitsOptions`. */
export const AUTH_LIMITS_OPTIONS = Symbol('AUTH:LIMITS_OPTIONS');

/**
 * Defaults of `AuthModuleOptions` (free of Nest, so the app's configuration can read them
 * before Nest loads).
 * @example AUTH_DEFAULTS.attemptsPerMinute // 30
 */
export const AUTH_DEFAULTS = { attemptsPerMinute: 30 } as const;
