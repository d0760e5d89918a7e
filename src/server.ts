import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { PrototypedExpressAdapter } from 'nest-session-auth';
import { configureApp } from './app.setup.js';
import type { AppConfig } from './config/app-config.js';
import { PinoLogger } from './logging/pino-logger.service.js';
import { MetricsServer } from './metrics/metrics-server.js';
import type { Tracing } from './tracing/tracing.module.js';

/** Prints one line and exits 1: start-up failures should not read like crashes. */
function fail(what: string, error: unknown): never {
  console.error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

/** Creates the app, listens (and on METRICS_PORT), and drains on SIGTERM/SIGINT. */
export async function serve(config: AppConfig, tracing?: Tracing): Promise<void> {
  // prom-client and its series are loaded only when metrics are on.
  const metrics =
    config.metricsPort === undefined
      ? undefined
      : (await import('./metrics/metrics.module.js')).MetricsModule.forRoot(config);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, { tracing, metrics }),
    new PrototypedExpressAdapter(),
    {
      bodyParser: false,
      abortOnError: false,
      // Quiet until listening, so a start-up failure prints one clear line, not Nest's stack trace.
      logger: false,
    },
  ).catch((error: unknown) => fail('Start-up failed', error));
  configureApp(app, config);

  // Nest's own shutdown hooks re-raise the signal (exit 143); this drains and exits 0 instead:
  // close() stops accepting, waits for in-flight requests, then closes the stores.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      app.close().then(
        () => process.exit(0),
        (error: unknown) => fail('Shutdown failed', error),
      );
    });
  }

  await (config.host ? app.listen(config.port, config.host) : app.listen(config.port)).catch(
    (error: unknown) => fail(`Cannot listen on port ${config.port}`, error),
  );
  if (config.metricsPort !== undefined) {
    await app
      .get(MetricsServer)
      .listen(config.metricsPort, config.host)
      .catch((error: unknown) =>
        fail(`Cannot listen on METRICS_PORT ${config.metricsPort}`, error),
      );
  }
  app.useLogger(app.get(PinoLogger));
  new Logger('Bootstrap').log(
    `Listening on ${await app.getUrl()} (sessions: ${config.sessionStore}, accounts: ${config.accountsDatabase.type}, data: ${config.dataDir}${config.metricsPort === undefined ? '' : `, metrics: port ${config.metricsPort}`})`,
  );
}
