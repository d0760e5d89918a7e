import { register } from 'node:module';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { Request } from 'express';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import type { TracingConfig } from '../config/app-config.js';
import type { Tracing } from './tracing.module.js';

/**
 * Starts the OpenTelemetry Node SDK: a span per HTTP request (named by its route pattern) sent
 * over OTLP to `OTEL_EXPORTER_OTLP_ENDPOINT`, configured by the standard `OTEL_*` variables.
 * Must run before Express and Nest are loaded: instrumentations patch modules as they load.
 * main.ts imports this file only when tracing is on, so otherwise no SDK module is loaded.
 */
export async function startTracing(config: TracingConfig): Promise<Tracing> {
  // Nest loads node:http with `import`: the loader hook patches imports too, rather than
  // relying on some CommonJS dependency requiring it later. The channel limits the hook to
  // the modules instrumented.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    instrumentations: [
      new HttpInstrumentation({
        // Probes every few seconds would bury the requests worth reading.
        ignoreIncomingRequestHook: (req) => req.url?.startsWith('/health') ?? false,
        applyCustomAttributesOnSpan: (span, req) => {
          const route: unknown = (req as Request).route?.path;
          if (typeof route === 'string') {
            span.setAttribute('http.route', route);
            span.updateName(`${(req as Request).method} ${route}`);
          }
        },
      }),
    ],
    // Metrics are Prometheus's (METRICS_PORT) and logs go to standard output: traces only.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  await waitForAllMessagesAcknowledged();

  const tracer = trace.getTracer(config.serviceName);
  return {
    traceId: () => trace.getActiveSpan()?.spanContext().traceId,
    storeCallSpan: (operation) => {
      const span = tracer.startSpan(`session_store ${operation}`, {
        kind: SpanKind.CLIENT,
        attributes: { 'session_store.operation': operation },
      });
      return (error) => {
        if (error) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      };
    },
    shutdown: () => sdk.shutdown(),
  };
}
