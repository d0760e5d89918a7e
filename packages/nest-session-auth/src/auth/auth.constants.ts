/** Paths of the pages AuthModule serves, and where a sign-in lands. */
export interface AuthRoutes {
  /** Sign-in form; signed-out browsers are sent here. */
  login: string;
  /** Registration form. */
  register: string;
  /** Sign-out (POST), and a page that asks (GET). */
  logout: string;
  /** The user's sessions, with revocation. */
  sessions: string;
  /** Password change. */
  account: string;
  /** Where a sign-in or registration lands when the form names no `next`. */
  home: string;
}

/** Injection token of the `AuthModuleOptions` as given to `forRoot`/`forRootAsync`. */
export const AUTH_OPTIONS = Symbol('AUTH:OPTIONS');

/** Injection token of the resolved `AuthRoutes`. */
export const AUTH_ROUTES = Symbol('AUTH:ROUTES');

/** Injection token of the `AuthLimitsOptions`. */
export const AUTH_LIMITS_OPTIONS = Symbol('AUTH:LIMITS_OPTIONS');

/**
 * Defaults of `AuthModuleOptions` (free of Nest, so the app's configuration can read them
 * before Nest loads).
 * @example AUTH_DEFAULTS.attemptsPerMinute // 30
 */
export const AUTH_DEFAULTS = {
  attemptsPerMinute: 30,
  accounts: { type: 'sqlite', file: 'data/accounts.db' } as const,
  routes: {
    login: '/login',
    register: '/register',
    logout: '/logout',
    sessions: '/sessions',
    account: '/account',
    home: '/',
  } satisfies AuthRoutes as Readonly<AuthRoutes>,
} as const;
