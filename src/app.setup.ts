import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { setupSessionAuth } from 'nest-session-auth';
import type { AppConfig } from './config/app-config.js';
import { PinoLogger } from './logging/pino-logger.service.js';
import { REQUEST_TIMER } from './metrics/metrics.constants.js';

/** The app's own pages (home, cart), from this file (src/ or dist/): any working directory works. */
const VIEWS = join(import.meta.dirname, '..', 'views');

/** Everything about the HTTP layer that is not a module: main.ts and the e2e tests both call it. */
export function configureApp(
  app: NestExpressApplication,
  config: AppConfig,
): NestExpressApplication {
  // First, so every request is logged (and timed), static files and body-parser refusals included.
  app.use(app.get(PinoLogger).middleware);
  if (config.metricsPort !== undefined) app.use(app.get<RequestHandler>(REQUEST_TIMER));
  app.disable('x-powered-by');
  // Pages are per-session and never cached (no-store), so hashing each body for an ETag is waste.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.use(
    helmet({
      // Browsers would turn form posts to a plain-http host (other than localhost) into https.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      strictTransportSecurity: config.trustProxy !== false,
    }),
  );
  app.useBodyParser('urlencoded', { extended: false, limit: '100kb' });
  app.useBodyParser('json', { limit: '100kb' });
  // The app's views first, then the package's: sign-in, sessions, account, error, the layout.
  // main.ts drains and closes on SIGTERM itself (server.ts).
  setupSessionAuth(app, { views: VIEWS, closeOnSignals: false });
  app.setLocal('siteName', 'nest-session-auth');
  app.setLocal('navLinks', [{ href: '/cart', label: 'Cart' }]);
  return app;
}
