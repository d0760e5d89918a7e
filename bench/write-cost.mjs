// The cost of the no-lost-writes mechanism (revision compare-and-set + merge on conflict), at
// the store level, against plain connect-sqlite3 on the same SQLite settings (WAL, synchronous
// FULL): a request that changes nothing (load only) and one that changes the session (load,
// change, save). Run: npm run build && node bench/write-cost.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import connectSqlite3 from 'connect-sqlite3';
import session from 'express-session';
import sqlite3 from 'sqlite3';
import { SESSION_DEFAULTS, SessionLifetime } from 'nest-session-auth';
import { SqliteSessionStore } from '../packages/nest-session-auth/dist/session/stores/sqlite-session.store.js';

const N = Number(process.env.BENCH_ITERATIONS ?? 2000);
const dir = mkdtempSync(join(tmpdir(), 'nsa-write-cost-'));
const lifetime = new SessionLifetime(SESSION_DEFAULTS);
const promise = (fn) =>
  new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));
const data = () => ({
  cookie: { originalMaxAge: null, httpOnly: true, path: '/' },
  user: { id: 'u', name: 'bench' },
  createdAt: Date.now(),
  lastSeen: Date.now(),
  theme: 'light',
});

async function plainStore() {
  const db = await new Promise((resolve, reject) => {
    const handle = new sqlite3.Database(join(dir, 'plain.db'), (error) =>
      error ? reject(error) : resolve(handle),
    );
  });
  await promise((cb) => db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;', cb));
  const Store = connectSqlite3(session);
  const store = new Store({ db });
  await new Promise((resolve) => setTimeout(resolve, 100)); // its CREATE TABLE runs asynchronously
  return { store, close: () => promise((cb) => db.close(cb)) };
}

/** Microseconds per iteration of `step`. */
async function time(step) {
  for (let i = 0; i < 50; i++) await step(i); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await step(i);
  return Number(process.hrtime.bigint() - started) / 1000 / N;
}

const ours = await SqliteSessionStore.open(join(dir, 'ours.db'), lifetime);
const plain = await plainStore();
await promise((cb) => ours.set('s', data(), cb));
await promise((cb) => plain.store.set('s', data(), cb));

// What express-session does per request: get, then wrap the data in a Session object.
const load = (store) =>
  promise((cb) => store.get('s', cb)).then((sess) => store.createSession({ sessionID: 's' }, sess));

const results = {
  'unchanged request (load only)': [
    await time(() => load(ours)),
    await time(() => load(plain.store)),
  ],
  'changing request (load, change, save)': [
    await time(async (i) => {
      const sess = await load(ours);
      sess.theme = i % 2 ? 'dark' : 'light';
      await promise((cb) => ours.set('s', sess, cb));
    }),
    await time(async (i) => {
      const sess = await load(plain.store);
      sess.theme = i % 2 ? 'dark' : 'light';
      await promise((cb) => plain.store.set('s', sess, cb));
    }),
  ],
};
console.log(
  `| request (${N} sequential) | this store (CAS + merge) µs | connect-sqlite3 (upsert) µs | cost |`,
);
console.log('| --- | --- | --- | --- |');
for (const [name, [mine, theirs]] of Object.entries(results)) {
  console.log(
    `| ${name} | ${mine.toFixed(0)} | ${theirs.toFixed(0)} | ${mine - theirs >= 0 ? '+' : ''}${(mine - theirs).toFixed(0)} µs (${((mine / theirs - 1) * 100).toFixed(0)}%) |`,
  );
}
await ours.close();
await plain.close();
rmSync(dir, { recursive: true, force: true });
