import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import hbs from 'hbs';
import { DEFAULT_PAGES } from './pages.js';

/** What `setupSessionAuth` does besides the pages. */
export interface SetupOptions {
  /**
   * Folders of the app's own Handlebars views, searched before the package's pages, so a view
   * of the same name (`login.hbs`, `layout.hbs`) replaces the package's.
   * @default the `views` folder of the working directory, when there is one
   */
  views?: string | string[];
  /**
   * On SIGTERM and SIGINT, close the app (the server drains, then the stores close) and exit 0.
   * `false` when the app handles signals itself.
   * @default true
   */
  closeOnSignals?: boolean;
}

/**
 * The non-module half of the package, for `main.ts`: Handlebars for the sign-in pages (the
 * app's views first), their stylesheet at `/assets/`, and a clean exit on SIGTERM.
 * @example
 * const app = await NestFactory.create(AppModule);
 * setupSessionAuth(app);
 * await app.listen(process.env.PORT ?? 3000);
 */
export function setupSessionAuth<T extends INestApplication>(
  app: T,
  options: SetupOptions = {},
): T {
  const express = app as unknown as NestExpressApplication;
  // The engine of this package's hbs, whose partials are registered below (hbs names it so).
  // oxlint-disable-next-line no-underscore-dangle
  express.engine('hbs', hbs.__express);
  express.setViewEngine('hbs');
  express.setBaseViewsDir([...appViews(options.views), DEFAULT_PAGES.views]);
  hbs.registerPartials(DEFAULT_PAGES.partials);
  express.useStaticAssets(DEFAULT_PAGES.assets, { prefix: '/assets/', maxAge: '1h' });
  if (options.closeOnSignals !== false) closeOnSignals(app);
  return app;
}

function appViews(views: SetupOptions['views']): string[] {
  if (views !== undefined) return Array.isArray(views) ? views : [views];
  const own = join(process.cwd(), 'views');
  return existsSync(own) ? [own] : [];
}

/** Nest's own shutdown hooks exit with 143 on SIGTERM; an orchestrator reads that as a failure. */
function closeOnSignals(app: INestApplication): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`shutdown failed: ${String(error)}`);
          process.exit(1);
        },
      );
    });
  }
}
