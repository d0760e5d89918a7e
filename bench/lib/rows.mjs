// Direct access to a target's session database (the project's sqlite3 package): counting rows,
// and bulk-inserting a million realistic sessions. Only used while no load is running, except
// for the cheap index-only probe polled during the purge measurement.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import sqlite3 from 'sqlite3';

function open(file) {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READWRITE, (error) =>
      error ? reject(error) : resolve(db),
    );
  });
}

const call = (db, method, sql, params = []) =>
  new Promise((resolve, reject) =>
    db[method](sql, params, (error, value) => (error ? reject(error) : resolve(value))),
  );

/** Opens, runs `work(db)`, closes. The server may hold the file too: wait for its locks. */
export async function withDatabase(file, work) {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  const db = await open(file);
  db.configure('busyTimeout', 30_000);
  try {
    return await work({
      get: (sql, params) => call(db, 'get', sql, params),
      all: (sql, params) => call(db, 'all', sql, params),
      run: (sql, params) => call(db, 'run', sql, params),
      exec: (sql) =>
        new Promise((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve()))),
      prepare: (sql) =>
        new Promise((resolve, reject) => {
          const statement = db.prepare(sql, (error) =>
            error ? reject(error) : resolve(statement),
          );
        }),
    });
  } finally {
    await new Promise((resolve) => db.close(() => resolve()));
  }
}

export const countRows = (file, where = '', params = []) =>
  withDatabase(
    file,
    async (db) => (await db.get(`SELECT count(*) AS n FROM sessions ${where}`, params)).n,
  );

/** The app's session rows carry a revision, bumped by every write. */
export const sumRevisions = (file) =>
  withDatabase(file, async (db) => (await db.get('SELECT total(rev) AS n FROM sessions')).n);

export const sampleSession = (file) =>
  withDatabase(file, async (db) => (await db.get('SELECT sess FROM sessions LIMIT 1'))?.sess);

const ROWS_PER_STATEMENT = 500;

/**
 * Inserts `count` sessions into the app's `sessions` table (sid, expired, sess; rev defaults
 * to 1) in one transaction through one prepared multi-row INSERT. Each row is the JSON the app
 * itself stores (`template`, taken from a real row) with its own user, so rows are ~220 bytes
 * like real ones. Sids are random 32-character ids like express-session's, inserted in sorted
 * order (the table is keyed by sid, WITHOUT ROWID) so the insert is quick. `expired(i)` gives
 * each row's expiry (epoch ms). Resolves with the seconds the insert took and the smallest sid.
 */
export async function insertSessions(file, count, { template, expired }) {
  const base = JSON.parse(template);
  const sids = Array.from({ length: count }, () =>
    randomBytes(24).toString('base64url'),
  ).toSorted();
  const now = Date.now();
  const rowParams = (i) => [
    sids[i],
    expired(i),
    JSON.stringify({
      ...base,
      user: { id: randomUUID(), name: `user-${i}` },
      createdAt: now,
      lastSeen: now,
    }),
  ];
  const started = performance.now();
  await withDatabase(file, async (db) => {
    await db.exec('PRAGMA cache_size = -262144');
    const full = await db.prepare(
      `INSERT INTO sessions (sid, expired, sess) VALUES ${Array(ROWS_PER_STATEMENT).fill('(?, ?, ?)').join(', ')}`,
    );
    await db.exec('BEGIN IMMEDIATE');
    try {
      let i = 0;
      for (; i + ROWS_PER_STATEMENT <= count; i += ROWS_PER_STATEMENT) {
        const params = [];
        for (let j = i; j < i + ROWS_PER_STATEMENT; j++) params.push(...rowParams(j));
        await new Promise((resolve, reject) =>
          full.run(params, (error) => (error ? reject(error) : resolve())),
        );
      }
      for (; i < count; i++) {
        await db.run('INSERT INTO sessions (sid, expired, sess) VALUES (?, ?, ?)', rowParams(i));
      }
      await db.exec('COMMIT');
      // Fold the big WAL back into the file now (as regular checkpoints would have, had the rows
      // arrived over time), so the measurement that follows does not pay for it.
      await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch (error) {
      await db.exec('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await new Promise((resolve) => full.finalize(() => resolve()));
    }
  });
  return { seconds: (performance.now() - started) / 1000, firstSid: sids[0] };
}

/** True while any row with `expired <= at` is left (one index probe, cheap at any size). */
export const hasRowsExpiringBy = (file, at) =>
  withDatabase(
    file,
    async (db) =>
      (await db.get('SELECT EXISTS (SELECT 1 FROM sessions WHERE expired <= ?) AS e', [at])).e ===
      1,
  );

/** The smallest sid among rows expiring at `at`: the purge deletes in this order. */
export const firstSidExpiringAt = (file, at) =>
  withDatabase(
    file,
    async (db) =>
      (await db.get('SELECT sid FROM sessions WHERE expired = ? ORDER BY sid LIMIT 1', [at]))?.sid,
  );
