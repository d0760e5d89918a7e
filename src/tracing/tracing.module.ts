import {
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { SESSION_STORE, type ManagedSessionStore } from 'nest-session-auth';
import { watchStoreCalls, type StoreCallWatcher } from '../telemetry/store-calls.js';

/** What `startTracing()` hands the app: the SDK itself stays in tracing.ts, loaded only when on. */
export interface Tracing {
  /** The active trace's id, for log lines. */
  traceId(): string | undefined;
  /** For `watchStoreCalls`: a span per session store call. */
  storeCallSpan: StoreCallWatcher;
  /** Sends the spans still buffered. */
  shutdown(): Promise<void>;
}

const TRACING = Symbol('TRACING:TRACING');

/**
 * Spans for session store calls, and the last spans sent before exit. Imported only when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set (HTTP spans come from the SDK's own instrumentation).
 * @example TracingModule.forRoot(await startTracing(config.tracing))
 */
@Module({})
export class TracingModule implements OnModuleInit, OnApplicationShutdown {
  static forRoot(tracing: Tracing): DynamicModule {
    return { module: TracingModule, providers: [{ provide: TRACING, useValue: tracing }] };
  }

  constructor(
    @Inject(SESSION_STORE) private readonly store: ManagedSessionStore,
    @Inject(TRACING) private readonly tracing: Tracing,
  ) {}

  onModuleInit(): void {
    watchStoreCalls(this.store, this.tracing.storeCallSpan);
  }

  /** After the HTTP server has drained, so the last requests' spans are in. */
  async onApplicationShutdown(): Promise<void> {
    await this.tracing.shutdown();
  }
}
