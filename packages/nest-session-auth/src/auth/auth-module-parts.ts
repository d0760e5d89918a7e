import { Controller, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { KyselyUserStore } from '../users/kysely-user.store.js';
import { AccountController } from './account.controller.js';
import { AuthFailureFilter } from './auth-failure.filter.js';
import { AuthLimits } from './auth-limits.js';
import type { AuthModuleExtras, AuthModuleOptions } from './auth-options.interface.js';
import {
  AUTH_DEFAULTS,
  AUTH_LIMITS_OPTIONS,
  AUTH_OPTIONS,
  AUTH_ROUTES,
  type AuthRoutes,
} from './auth.constants.js';
import { AuthService } from './auth.service.js';
import { FormRefusalFilter } from './form-refusal.js';
import { LoginController } from './login.controller.js';
import { LogoutController } from './logout.controller.js';
import { PasswordHasher } from './password-hasher.js';
import { RegistrationController } from './registration.controller.js';
import { SessionGuard } from './session.guard.js';
import { SessionsController } from './sessions.controller.js';
import { UserStore } from './user-store.js';

type Parts = Required<Pick<DynamicModule, 'imports' | 'controllers' | 'providers' | 'exports'>>;

/** What AuthModule holds, given the options that shape it. */
export function authModuleParts(extras: AuthModuleExtras): Parts {
  const routes = resolveRoutes(extras.routes);
  const providers: Provider[] = [
    { provide: AUTH_ROUTES, useValue: routes },
    {
      provide: AUTH_LIMITS_OPTIONS,
      inject: [AUTH_OPTIONS],
      useFactory: ({ attemptsPerMinute = AUTH_DEFAULTS.attemptsPerMinute }: AuthModuleOptions) => {
        if (!Number.isInteger(attemptsPerMinute) || attemptsPerMinute < 1)
          throw new TypeError('AuthModule: attemptsPerMinute must be a whole number of at least 1');
        return { attemptsPerMinute };
      },
    },
    extras.userStore
      ? { provide: UserStore, useExisting: extras.userStore }
      : {
          provide: UserStore,
          inject: [AUTH_OPTIONS],
          // Closes itself on shutdown (KyselyUserStore.onApplicationShutdown).
          useFactory: ({ accounts = AUTH_DEFAULTS.accounts }: AuthModuleOptions) =>
            KyselyUserStore.open(accounts),
        },
    AuthService,
    PasswordHasher,
    AuthLimits,
    SessionGuard,
    { provide: APP_FILTER, useClass: AuthFailureFilter },
    { provide: APP_FILTER, useClass: FormRefusalFilter },
  ];
  if (extras.globalGuard !== false)
    providers.push({ provide: APP_GUARD, useExisting: SessionGuard });
  return {
    imports: extras.imports ?? [],
    controllers: extras.controllers === false ? [] : pageControllers(routes),
    providers,
    exports: [AuthService, PasswordHasher, UserStore, SessionGuard, AUTH_ROUTES],
  };
}

function resolveRoutes(given: AuthModuleExtras['routes']): AuthRoutes {
  const routes = { ...AUTH_DEFAULTS.routes, ...given };
  for (const [page, path] of Object.entries(routes)) {
    if (typeof path !== 'string' || !path.startsWith('/'))
      throw new TypeError(`AuthModule: routes.${page} must be a path starting with "/"`);
  }
  return routes;
}

function pageControllers(routes: AuthRoutes): Type[] {
  return [
    mountAt(LoginController, routes.login),
    mountAt(RegistrationController, routes.register),
    mountAt(LogoutController, routes.logout),
    mountAt(SessionsController, routes.sessions),
    mountAt(AccountController, routes.account),
  ];
}

/** The controller served at `path`: a subclass, so each AuthModule can choose its own paths. */
function mountAt(controller: Type, path: string): Type {
  const mounted = class extends controller {};
  Object.defineProperty(mounted, 'name', { value: controller.name });
  Controller(path)(mounted);
  return mounted;
}
