import {
  Inject,
  Logger,
  Module,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CsrfService } from './csrf.service.js';
import { RESOLVED_SESSION_OPTIONS, SESSION_STORE } from './session.constants.js';
import { sessionMiddleware } from './session.middleware.js';
import { ConfigurableModuleClass, SESSION_OPTIONS } from './session.module-definition.js';
import { SessionLifetime } from './session-lifetime.js';
import type { ResolvedSessionOptions, SessionModuleOptions } from './session-options.interface.js';
import { resolveSessionOptions } from './session-options.js';
import { SessionService } from './session.service.js';
import type { ManagedSessionStore } from './stores/managed-session-store.js';
import { createSessionStore } from './stores/session-store.factory.js';

/**
 * Server-side sessions for every route: express-session on the configured store, CSRF
 * protection, server-enforced timeouts and a scheduled purge of expired sessions.
 * @example SessionModule.forRoot({ secret: process.env.SESSION_SECRET!, store: { type: 'sqlite', file: 'data/sessions.db' } })
 */
@Module({
  providers: [
    {
      provide: RESOLVED_SESSION_OPTIONS,
      inject: [SESSION_OPTIONS],
      useFactory: (options: SessionModuleOptions) => resolveSessionOptions(options),
    },
    {
      provide: SessionLifetime,
      inject: [RESOLVED_SESSION_OPTIONS],
      useFactory: (options: ResolvedSessionOptions) => new SessionLifetime(options),
    },
    {
      provide: SESSION_STORE,
      inject: [RESOLVED_SESSION_OPTIONS, SessionLifetime],
      useFactory: createSessionStore,
    },
    SessionService,
    CsrfService,
  ],
  exports: [SESSION_STORE, SessionService, CsrfService, SessionLifetime],
})
export class SessionModule
  extends ConfigurableModuleClass
  implements NestModule, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger = new Logger(SessionModule.name);
  private purgeTimer?: NodeJS.Timeout;
  private purging = false;

  constructor(
    @Inject(RESOLVED_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SESSION_STORE) private readonly store: ManagedSessionStore,
    private readonly lifetime: SessionLifetime,
    private readonly csrf: CsrfService,
  ) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    // One middleware rather than five: each one Nest mounts is a router layer matched per request.
    consumer
      .apply(
        chain([
          cookieParser(),
          ...sessionMiddleware(this.options, this.store, this.lifetime),
          this.csrf.exposeToken,
          this.csrf.protect,
        ]),
      )
      .forRoutes('{*path}');
  }

  onApplicationBootstrap(): void {
    this.purgeTimer = setInterval(
      () => void this.purge(),
      this.options.purgeInterval * 1000,
    ).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  /** After the HTTP server has drained (Nest closes it before this hook), so no request loses its store. */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }

  /** One purge at a time: a purge of many rows can outlast the interval. */
  private async purge(): Promise<void> {
    if (this.purging) return;
    this.purging = true;
    try {
      const purged = await this.store.purgeExpired();
      if (purged > 0) this.logger.log(`purged ${purged} expired sessions`);
    } catch (error) {
      this.logger.warn(`purge failed, will retry: ${String(error)}`);
    } finally {
      this.purging = false;
    }
  }
}

/** Runs Express middleware in order as one; an error skips the rest. */
function chain(handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error) return next(error);
      if (index === handlers.length) return next();
      void handlers[index++](req, res, step);
    };
    step();
  };
}
