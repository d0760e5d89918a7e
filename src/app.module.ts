import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import {
  AuthModule,
  ErrorPageFilter,
  SessionModule,
  type SessionStoreOptions,
} from 'nest-session-auth';
import { CartModule } from './cart/cart.module.js';
import type { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/app-config.module.js';
import { HealthController } from './health/health.controller.js';
import { HomeController } from './home/home.controller.js';
import { LoggingModule } from './logging/logging.module.js';
import { PreferencesModule } from './preferences/preferences.module.js';
import { TracingModule, type Tracing } from './tracing/tracing.module.js';

@Module({})
export class AppModule {
  /**
   * `tracing`: the started OpenTelemetry SDK's hooks, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set;
   * `metrics`: `MetricsModule.forRoot(config)`, when `METRICS_PORT` is (loaded by the caller only then).
   */
  static forRoot(
    config: AppConfig,
    { tracing, metrics }: { tracing?: Tracing; metrics?: DynamicModule } = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot({ level: config.logLevel, traceId: tracing?.traceId }),
        SessionModule.forRoot({
          isGlobal: true,
          secret: config.sessionSecrets,
          name: config.cookieName,
          store: sessionStore(config),
          idleTimeout: config.idleTimeout,
          rememberMaxAge: config.rememberMaxAge,
          absoluteTimeout: config.absoluteTimeout,
          purgeInterval: config.purgeInterval,
          secureCookies: config.trustProxy !== false,
        }),
        AuthModule.forRoot({
          accounts: config.accountsDatabase,
          attemptsPerMinute: config.authAttemptsPerMinute,
        }),
        PreferencesModule,
        CartModule,
        // The request log already records each failed probe; terminus would log it twice.
        TerminusModule.forRoot({ logger: false }),
        ...(metrics ? [metrics] : []),
        ...(tracing ? [TracingModule.forRoot(tracing)] : []),
      ],
      controllers: [HomeController, HealthController],
      // Nest consults global filters last-registered first and AuthModule's come after this
      // one, so this catch-all sees only what AuthModule's filters do not catch.
      providers: [{ provide: APP_FILTER, useClass: ErrorPageFilter }],
    };
  }
}

function sessionStore(config: AppConfig): SessionStoreOptions {
  switch (config.sessionStore) {
    case 'sqlite':
      return { type: 'sqlite', file: join(config.dataDir, 'sessions.db') };
    case 'redis':
      return { type: 'redis', ...config.redis };
    case 'postgres':
      // loadConfig accepts SESSION_STORE=postgres only with a PostgreSQL DATABASE_URL.
      return { type: 'postgres', url: (config.accountsDatabase as { url: string }).url };
    case 'memory':
      return { type: 'memory' };
  }
}
