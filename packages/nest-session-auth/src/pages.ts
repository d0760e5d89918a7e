import { join } from 'node:path';

/** The package's root, one level above this file (in dist/, or src/ in the repository). */
const ROOT = join(import.meta.dirname, '..');

/**
 * Where the package's default pages live: the Handlebars views AuthModule renders (with
 * `layout.hbs`), their partials, and the stylesheet the layout links as `/assets/styles.css`.
 * The layout shows `navLinks` (`{ href, label }[]`, e.g. from `app.setLocal`) to signed-in users.
 * @example
 * app.setBaseViewsDir([join(import.meta.dirname, '..', 'views'), DEFAULT_PAGES.views]);
 * app.setViewEngine('hbs');
 * hbs.registerPartials(DEFAULT_PAGES.partials);
 * app.useStaticAssets(DEFAULT_PAGES.assets, { prefix: '/assets/' });
 */
export const DEFAULT_PAGES = {
  views: join(ROOT, 'views'),
  partials: join(ROOT, 'views', 'partials'),
  assets: join(ROOT, 'assets'),
} as const;
