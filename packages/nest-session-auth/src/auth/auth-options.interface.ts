import type { InjectionToken, ModuleMetadata } from '@nestjs/common';
import type { DatabaseTarget } from '../database/database.js';
import type { AuthRoutes } from './auth.constants.js';
import type { UserStore } from './user-store.js';

/**
 * What `AuthModule.forRoot` takes, or `forRootAsync`'s factory returns.
 * @example { accounts: { type: 'sqlite', file: 'data/accounts.db' }, attemptsPerMinute: 20 }
 */
export interface AuthModuleOptions {
  /**
   * Where the built-in account store keeps accounts (a SQLite file, created with its folder;
   * or PostgreSQL). Ignored when `userStore` names a store of your own.
   * @default { type: 'sqlite', file: 'data/accounts.db' }
   */
  accounts?: DatabaseTarget;
  /**
   * Credential checks (sign-in, registration, password change) one client address may make
   * per minute; refused with 429 before any password is hashed.
   * @default 30
   */
  attemptsPerMinute?: number;
}

/**
 * Options that shape the module itself, so they are given beside `forRootAsync`'s factory
 * rather than returned by it.
 */
export interface AuthModuleExtras {
  /**
   * Paths of the pages (any left out keep their default: `/login`, `/register`, `/logout`,
   * `/sessions`, `/account`, and `home` = `/`, where a sign-in lands). With `controllers: false`
   * they name the app's own pages, which signed-out browsers are sent to.
   * @default AUTH_DEFAULTS.routes
   */
  routes?: Partial<AuthRoutes>;
  /**
   * Serve the package's pages; `false` for none: the app serves its own on `AuthService` and
   * `SessionService`.
   * @default true
   */
  controllers?: boolean;
  /**
   * Register `SessionGuard` for every route (open one with `@Public()`); `false` to put
   * `@UseGuards(SessionGuard)` on the controllers that need it instead.
   * @default true
   */
  globalGuard?: boolean;
  /**
   * Your own `UserStore` (a class or token provided by one of `imports`), instead of the
   * built-in one.
   */
  userStore?: InjectionToken<UserStore>;
  /** Modules that provide `userStore`. */
  imports?: ModuleMetadata['imports'];
}
