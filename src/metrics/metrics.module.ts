import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  AUTH_OBSERVER,
  PasswordHasher,
  SESSION_STORE,
  type ManagedSessionStore,
} from 'nest-session-auth';
import type { AppConfig } from '../config/app-config.js';
import { watchStoreCalls } from '../telemetry/store-calls.js';
import { AppMetrics } from './app-metrics.js';
import { REQUEST_TIMER } from './metrics.constants.js';
import { MetricsServer } from './metrics-server.js';

/**
 * Prometheus metrics (`METRICS_PORT`): `serve()` loads this file only when it is set, so that
 * otherwise prom-client is not even loaded and nothing is registered, timed or listened on.
 * `serve()` starts the listener after the public one; `configureApp()` mounts the request timer.
 * @example MetricsModule.forRoot(config)
 */
@Global()
@Module({})
export class MetricsModule implements OnModuleInit, OnApplicationShutdown {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: MetricsModule,
      providers: [
        {
          provide: AppMetrics,
          inject: [SESSION_STORE, ModuleRef],
          useFactory: (store: ManagedSessionStore, modules: ModuleRef) =>
            new AppMetrics({
              storeType: config.sessionStore,
              // The hasher is AuthModule's, which this module does not import.
              hashQueueLength: () => modules.get(PasswordHasher, { strict: false }).queued,
              sessionCount: () =>
                new Promise((resolve, reject) =>
                  store.length((error, count) => (error ? reject(error) : resolve(count ?? 0))),
                ),
            }),
        },
        { provide: AUTH_OBSERVER, useExisting: AppMetrics },
        {
          provide: REQUEST_TIMER,
          inject: [AppMetrics],
          useFactory: (metrics: AppMetrics) => metrics.requestTimer,
        },
        {
          provide: MetricsServer,
          inject: [AppMetrics],
          useFactory: (metrics: AppMetrics) => new MetricsServer(metrics.registry),
        },
      ],
      exports: [AUTH_OBSERVER, REQUEST_TIMER, MetricsServer],
    };
  }

  constructor(
    @Inject(SESSION_STORE) private readonly store: ManagedSessionStore,
    private readonly metrics: AppMetrics,
    private readonly server: MetricsServer,
  ) {}

  onModuleInit(): void {
    watchStoreCalls(this.store, this.metrics.storeCallTimer);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.close();
  }
}
