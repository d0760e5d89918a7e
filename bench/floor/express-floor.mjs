// The floor under the floor, for `npm run bench`: bare Express 5 + hbs rendering the app's
// signed-in home page (bench/floor/page.mjs) for a fixed user. No session, no guard, no CSRF,
// no logging, no security headers: the least any Express app serving this page can do.
import express from 'express';
import hbs from 'hbs';
import { homeModel, LOCALS, PARTIALS, VIEWS } from './page.mjs';

const app = express();
// oxlint-disable-next-line no-underscore-dangle
app.engine('hbs', hbs.__express);
app.set('view engine', 'hbs');
app.set('views', VIEWS);
hbs.registerPartials(PARTIALS);
Object.assign(app.locals, LOCALS);
app.get('/', (_req, res) => res.render('index', homeModel()));

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
