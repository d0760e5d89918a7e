// The hand-built baseline for `npm run bench`: what a typical Express tutorial writes for
// "sessions in SQLite with a login page". Plain Express 5 + express-session + connect-sqlite3
// (the store opens the file itself, with its defaults: rollback journal, or WAL with
// BASELINE_WAL=1 through its `concurrentDb` option) + hbs; with BASELINE_STORE=pg the sessions go
// to connect-pg-simple at DATABASE_URL instead, with its defaults (its own table, created if
// missing; `touch` on every request), and with BASELINE_STORE=redis to connect-redis at
// REDIS_URL, with its defaults (`touch`, an EXPIRE, on every request). Users are kept in a
// small SQLite table with the same scrypt parameters as the app, so sign-in costs the same hash.
//
// Like most tutorials it has no CSRF tokens, no security headers and no server-side timeouts:
// it does less work per request than the app, never more. The session cookie keeps
// express-session's default (no maxAge): with a maxAge, connect-sqlite3 would also write the row
// on every request (`touch`), which would make this baseline slower than it needs to be.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import connectPgSimple from 'connect-pg-simple';
import { RedisStore } from 'connect-redis';
import connectSqlite3 from 'connect-sqlite3';
import express from 'express';
import session from 'express-session';
import hbs from 'hbs';
import { createClient } from 'redis';
import sqlite3 from 'sqlite3';

const SQLiteStore = connectSqlite3(session);
const PgStore = connectPgSimple(session);
const scryptAsync = promisify(scrypt);
const dataDir = process.env.DATA_DIR ?? './data';
const here = import.meta.dirname;

// --- users -------------------------------------------------------------------------------
const db = new sqlite3.Database(join(dataDir, 'users.db'));
const run = promisify(db.run.bind(db));
const get = promisify(db.get.bind(db));
await run('CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT UNIQUE, hash TEXT)');

const SCRYPT = { N: 2 ** 14, r: 8, p: 5, maxmem: 64 * 1024 * 1024 };

async function hashPassword(password) {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, 32, SCRYPT);
  return `${salt.toString('hex')}:${key.toString('hex')}`;
}

async function checkPassword(password, stored) {
  const [salt, key] = stored.split(':');
  const actual = await scryptAsync(password, Buffer.from(salt, 'hex'), 32, SCRYPT);
  return timingSafeEqual(actual, Buffer.from(key, 'hex'));
}

// --- app ---------------------------------------------------------------------------------
const app = express();
// hbs's documented way to render .html files with Handlebars.
// oxlint-disable-next-line no-underscore-dangle
app.engine('html', hbs.__express);
app.set('view engine', 'html');
app.set('views', join(here, 'views'));

app.use('/assets', express.static(join(here, '..', '..', 'public')));
app.use(express.urlencoded({ extended: false }));
/** connect-redis's README: a connected node-redis client. */
async function redisStore() {
  const client = createClient({ url: process.env.REDIS_URL });
  client.on('error', (error) => process.stderr.write(`redis: ${error.message}\n`));
  await client.connect();
  return new RedisStore({ client });
}

app.use(
  session({
    store:
      process.env.BASELINE_STORE === 'pg'
        ? new PgStore({ conString: process.env.DATABASE_URL, createTableIfMissing: true })
        : process.env.BASELINE_STORE === 'redis'
          ? await redisStore()
          : new SQLiteStore({
              db: 'sessions.db',
              dir: dataDir,
              ...(process.env.BASELINE_WAL === '1' && { concurrentDb: true }),
            }),
    secret: process.env.SESSION_SECRET ?? 'keyboard cat',
    resave: false,
    saveUninitialized: false,
  }),
);
app.use((req, res, next) => {
  res.locals.user = req.session.user;
  res.locals.theme = req.session.theme ?? 'light';
  next();
});

function signIn(req, res, user, next) {
  // As in express-session's README: a new session id at sign-in, saved before the redirect.
  req.session.regenerate((error) => {
    if (error) return next(error);
    req.session.user = user;
    req.session.save((saveError) => (saveError ? next(saveError) : res.redirect('/')));
  });
}

app.get('/', (req, res) => {
  if (!req.session.user) return res.redirect('/login');
  res.render('index', { title: 'Home', name: req.session.user.name });
});

app.get('/login', (req, res) => res.render('login', { title: 'Sign in' }));

// Express 5 passes a rejected promise of a handler to the error handler, so no try/catch.
// oxlint-disable-next-line oxc/no-async-endpoint-handlers
app.post('/login', async (req, res, next) => {
  const { name = '', password = '' } = req.body;
  const user = await get('SELECT * FROM users WHERE name = ?', [name.trim()]);
  if (!user || !(await checkPassword(password, user.hash))) {
    return res
      .status(401)
      .render('login', { title: 'Sign in', name, message: 'Wrong name or password.' });
  }
  signIn(req, res, { id: user.id, name: user.name }, next);
});

app.get('/register', (req, res) => res.render('register', { title: 'Create an account' }));

// oxlint-disable-next-line oxc/no-async-endpoint-handlers
app.post('/register', async (req, res, next) => {
  const name = (req.body.name ?? '').trim();
  const password = req.body.password ?? '';
  if (!name || password.length < 8) {
    return res.status(400).render('register', {
      title: 'Create an account',
      name,
      message: 'Enter a name and a password of at least 8 characters.',
    });
  }
  const hash = await hashPassword(password);
  const existing = await get('SELECT id FROM users WHERE name = ?', [name]);
  if (existing) {
    return res
      .status(409)
      .render('register', { title: 'Create an account', name, message: 'That name is taken.' });
  }
  await run('INSERT INTO users (name, hash) VALUES (?, ?)', [name, hash]);
  const user = await get('SELECT id, name FROM users WHERE name = ?', [name]);
  signIn(req, res, user, next);
});

app.post('/preferences', (req, res) => {
  if (!req.session.user) return res.redirect('/login');
  if (['light', 'dark'].includes(req.body.theme)) req.session.theme = req.body.theme;
  res.redirect('/');
});

app.get('/logout', (req, res) => res.render('logout', { title: 'Sign out' }));

app.post('/logout', (req, res, next) => {
  req.session.destroy((error) => {
    if (error) return next(error);
    res.clearCookie('connect.sid');
    res.redirect('/login');
  });
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write(`baseline listening on ${port}\n`);
});
