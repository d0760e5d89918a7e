import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';
import { limitHeapGrowth } from './memory/heap-growth.js';

// Before anything sizable is allocated: the app's memory, however it is started.
limitHeapGrowth();

if (existsSync('.env')) process.loadEnvFile('.env');

let config: AppConfig;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}
for (const warning of config.warnings) console.error(`Configuration warning: ${warning}`);

// Tracing patches modules as they load, so it starts before Nest; when off, its SDK is not loaded.
const tracing = config.tracing
  ? await (await import('./tracing/tracing.js')).startTracing(config.tracing)
  : undefined;

// Nest is loaded only once the configuration is known to be good, so bad settings fail fast.
const { serve } = await import('./server.js');
await serve(config, tracing);
