import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';

if (existsSync('.env')) process.loadEnvFile('.env');

let config: AppConfig;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}

const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
  bodyParser: false,
  abortOnError: false,
  // Quiet until start-up succeeds, so a failure prints one clear line, not Nest's stack trace.
  logger: false,
}).catch((error: unknown) => {
  console.error(`Start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
app.useLogger(new ConsoleLogger());
configureApp(app, config);

// Nest's own shutdown hooks re-raise the signal (exit 143); this drains and exits 0 instead:
// close() stops accepting, waits for in-flight requests, then closes the stores.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

await (config.host ? app.listen(config.port, config.host) : app.listen(config.port));
new Logger('Bootstrap').log(
  `Listening on ${await app.getUrl()} (sessions: ${config.sessionStore}, data: ${config.dataDir})`,
);
