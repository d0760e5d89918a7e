import {
  Module,
  type DynamicModule,
  type InjectionToken,
  type ModuleMetadata,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AccountController } from './account.controller.js';
import { AuthFailureFilter } from './auth-failure.filter.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { AuthLimits } from './auth-limits.js';
import { AUTH_DEFAULTS, AUTH_LIMITS_OPTIONS } from './auth.constants.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionGuard } from './session.guard.js';
import { SessionsController } from './sessions.controller.js';
import { UserStore } from './user-store.js';

/**
 * How AuthModule finds accounts.
 * @example { imports: [UsersModule], userStore: KyselyUserStore }
 */
export interface AuthModuleOptions {
  /** Modules that provide the user store. */
  imports?: ModuleMetadata['imports'];
  /** The provider (class or token) of the `UserStore` to look accounts up in. */
  userStore: InjectionToken<UserStore>;
  /**
   * Credential checks (sign-in, registration, password change) one client address may make
   * per minute; refused with 429 before any password is hashed.
   * @default 30
   */
  attemptsPerMinute?: number;
}

/**
 * Sign-in, registration and sign-out (`/login`, `/register`, `/logout`), the user's sessions
 * (`/sessions`) and password change (`/account`) on top of SessionModule, and the global
 * `SessionGuard`: every route needs a signed-in user unless marked `@Public()`.
 * @example AuthModule.forRoot({ imports: [UsersModule], userStore: KyselyUserStore })
 */
@Module({})
export class AuthModule {
  static forRoot({
    imports = [],
    userStore,
    attemptsPerMinute = AUTH_DEFAULTS.attemptsPerMinute,
  }: AuthModuleOptions): DynamicModule {
    return {
      module: AuthModule,
      imports,
      controllers: [AuthController, SessionsController, AccountController],
      providers: [
        { provide: UserStore, useExisting: userStore },
        AuthService,
        PasswordHasher,
        AuthLimits,
        { provide: AUTH_LIMITS_OPTIONS, useValue: { attemptsPerMinute } },
        { provide: APP_GUARD, useClass: SessionGuard },
        { provide: APP_FILTER, useClass: AuthFailureFilter },
      ],
      exports: [AuthService, PasswordHasher, UserStore],
    };
  }
}
