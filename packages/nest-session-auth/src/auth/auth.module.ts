import { Inject, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AUTH_ROUTES, type AuthRoutes } from './auth.constants.js';
import { ConfigurableModuleClass, type OPTIONS_TYPE } from './auth.module-definition.js';

/**
 * Sign-in, registration and sign-out pages, the user's sessions and password change, on top of
 * SessionModule, with accounts in the built-in store (SQLite or PostgreSQL) or your own
 * `UserStore`; and `SessionGuard` on every route, so a route needs a signed-in user unless it
 * is marked `@Public()`.
 * @example AuthModule.forRoot() // accounts in data/accounts.db
 * @example AuthModule.forRoot({ accounts: { type: 'postgres', url: process.env.DATABASE_URL! } })
 * @example AuthModule.forRoot({ imports: [UsersModule], userStore: MyUserStore, routes: false })
 * @example AuthModule.forRootAsync({ inject: [ConfigService], useFactory: (c) => ({ accounts: … }) })
 */
@Module({})
export class AuthModule extends ConfigurableModuleClass implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(AUTH_ROUTES) private readonly routes: AuthRoutes,
  ) {
    super();
  }

  /** Every option has a default, so `forRoot()` alone serves the pages on a SQLite file. */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  /** Every page (the layout's links, the forms' actions) learns the paths once, not per request. */
  onModuleInit(): void {
    const app = this.adapterHost.httpAdapter?.getInstance<{ locals?: Record<string, unknown> }>();
    if (app?.locals) app.locals.authRoutes = this.routes;
  }
}
