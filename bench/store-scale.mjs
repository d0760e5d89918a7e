// Store-level figures for the session lifecycle at scale, without HTTP in the way:
// - listing one user's sessions with 1,000,000 sessions in the store (target < 5 ms);
// - the longest delay of a concurrent session read while a purge of 1,000,000 expired rows
//   runs (target <= 50 ms).
// Uses the package's built store on a fresh SQLite file. Run: npm run build && node bench/store-scale.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteSessionStore } from '../packages/nest-session-auth/dist/session/stores/sqlite-session.store.js';
import { SESSION_DEFAULTS, SessionLifetime, SqliteDatabase } from 'nest-session-auth';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const lifetime = new SessionLifetime(SESSION_DEFAULTS);
const dir = mkdtempSync(join(tmpdir(), 'nsa-store-scale-'));
const file = join(dir, 'sessions.db');

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (n) => `${n.toFixed(2)} ms`;

/** One INSERT … SELECT over a generated series: a million rows in seconds, not minutes. */
async function fill(expiredAt) {
  const db = await SqliteDatabase.open(file, () => undefined);
  const now = Date.now();
  await db.run(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
     INSERT INTO sessions (sid, expired, sess, owner, handle, created_at, last_seen, user_agent, ip)
     SELECT lower(hex(randomblob(24))), ?,
            json_object('cookie', json_object('originalMaxAge', NULL, 'httpOnly', 1, 'path', '/'),
                        'user', json_object('id', o.owner, 'name', o.owner),
                        'createdAt', ?, 'lastSeen', ?, 'owner', o.owner),
            o.owner, lower(hex(randomblob(12))), ?, ?,
            'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0', '127.0.0.1'
     FROM (SELECT i, CASE WHEN i < 10 THEN 'target' ELSE 'user-' || (i % 1000) END AS owner FROM n) AS o`,
    // 1,000 sessions per user on average; user 'target' owns 10 of them.
    [ROWS, expiredAt, now, now, now, now],
  );
  await db.close();
}

const store = await SqliteSessionStore.open(file, lifetime); // creates the schema
await store.close();

let started = Date.now();
await fill(Date.now() + 3_600_000);
console.log(
  `inserted ${ROWS.toLocaleString()} live sessions in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);

const live = await SqliteSessionStore.open(file, lifetime);
const times = [];
for (let i = 0; i < 1000; i++) {
  const t = process.hrtime.bigint();
  const list = await live.listOwned('target');
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
  if (list.length !== 10) throw new Error(`expected 10 sessions, got ${list.length}`);
}
times.sort((a, b) => a - b);
console.log(
  `listOwned (10 of ${ROWS.toLocaleString()} sessions), 1000 calls: p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))}, max ${ms(times.at(-1))}`,
);

// Purge: make every row expired, then purge while reading one live session every 5 ms.
const probeSid = 'probe-session';
await new Promise((resolve, reject) =>
  live.set(
    probeSid,
    { cookie: { originalMaxAge: null, httpOnly: true, path: '/' }, lastSeen: Date.now() },
    (e) => (e ? reject(e) : resolve()),
  ),
);
const raw = await SqliteDatabase.open(file, () => undefined);
await raw.run('UPDATE sessions SET expired = ? WHERE sid != ?', [Date.now() - 1000, probeSid]);
await raw.close();

const state = { purging: true };
const delays = [];
const probe = (async () => {
  while (state.purging) {
    const t = process.hrtime.bigint();
    await new Promise((resolve, reject) =>
      live.get(probeSid, (e, data) =>
        e ? reject(e) : data ? resolve() : reject(new Error('probe lost')),
      ),
    );
    delays.push(Number(process.hrtime.bigint() - t) / 1e6);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
})();
started = Date.now();
const purged = await live.purgeExpired();
const purgeSeconds = (Date.now() - started) / 1000;
state.purging = false;
await probe;
delays.sort((a, b) => a - b);
console.log(
  `purged ${purged.toLocaleString()} expired rows in ${purgeSeconds.toFixed(1)} s; a concurrent read (${delays.length} probes) took p50 ${ms(percentile(delays, 50))}, p99 ${ms(percentile(delays, 99))}, max ${ms(delays.at(-1))}`,
);
await live.close();
rmSync(dir, { recursive: true, force: true });
