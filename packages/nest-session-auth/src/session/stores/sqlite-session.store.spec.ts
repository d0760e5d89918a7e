import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionData } from 'express-session';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../database/sqlite-database.js';
import { SessionLifetime } from '../session-lifetime.js';
import { SqliteSessionStore } from './sqlite-session.store.js';
import { sessionData, storeCalls } from './testing/store-calls.js';

const lifetime = new SessionLifetime({
  idleTimeout: 60,
  rememberMaxAge: 3600,
  absoluteTimeout: 86_400,
});

const liveSession = () => sessionData({ lastSeen: Date.now() });

/** Calls a callback-style store method and records every call of its callback. */
function calls<T>(
  invoke: (callback: (error: unknown, value?: T) => void) => void,
): Promise<unknown[][]> {
  const seen: unknown[][] = [];
  invoke((...args) => seen.push(args));
  // Let any second (buggy) callback arrive before looking.
  return new Promise((resolve) => setTimeout(() => resolve(seen), 50));
}

const set = (sut: SqliteSessionStore, sid: string, data: SessionData) =>
  storeCalls(sut).set(sid, data);

describe(SqliteSessionStore.name, () => {
  let dir: string;
  let file: string;
  let sut: SqliteSessionStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nsa-store-'));
    file = join(dir, 'sessions.db');
    sut = await SqliteSessionStore.open(file, lifetime);
  });

  afterEach(async () => {
    await sut.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  async function rawDb(): Promise<SqliteDatabase> {
    return SqliteDatabase.open(file, () => undefined);
  }

  it('creates a typed table with an index on expired, in WAL mode with full sync', async () => {
    const db = await rawDb();
    const columns = await db.all<{ name: string; type: string; notnull: number }>(
      'PRAGMA table_info(sessions)',
    );
    const indexes = await db.all<{ name: string }>('PRAGMA index_list(sessions)');
    const journal = await db.get<{ journal_mode: string }>('PRAGMA journal_mode');
    await db.close();
    expect(columns.map((c) => `${c.name} ${c.type} ${c.notnull}`)).toEqual([
      'sid TEXT 1',
      'expired INTEGER 1',
      'sess TEXT 1',
      'rev INTEGER 1',
      'owner TEXT 0',
      'handle TEXT 0',
      'created_at INTEGER 0',
      'last_seen INTEGER 0',
      'user_agent TEXT 0',
      'ip TEXT 0',
    ]);
    expect(indexes.map((i) => i.name)).toEqual(
      expect.arrayContaining(['sessions_expired', 'sessions_owner']),
    );
    expect(journal?.journal_mode).toBe('wal');
  });

  it('treats a corrupt row as no session instead of crashing the process', async () => {
    const db = await rawDb();
    await db.run('INSERT INTO sessions (sid, expired, sess) VALUES (?, ?, ?)', [
      'bad',
      Date.now() + 60_000,
      '{"cookie":',
    ]);
    await db.close();
    const seen = await calls((cb) => sut.get('bad', cb));
    expect(seen).toEqual([[null, null]]);
  });

  it('calls back exactly once, with the error, when the database fails', async () => {
    await sut.close();
    for (const operation of [
      (cb: (error: unknown) => void) => sut.get('a', cb),
      (cb: (error: unknown) => void) => sut.set('a', sessionData(), cb),
      (cb: (error: unknown) => void) => sut.destroy('a', cb),
      (cb: (error: unknown) => void) => sut.length(cb),
      (cb: (error: unknown) => void) => sut.clear!(cb),
    ]) {
      const seen = await calls(operation);
      expect(seen).toHaveLength(1);
      expect(seen[0][0]).toBeInstanceOf(Error);
    }
  });

  it("leaves expired rows to the batched purge instead of connect-sqlite3's unbatched start-up DELETE", async () => {
    const db = await rawDb();
    await db.run('INSERT INTO sessions (sid, expired, sess) VALUES (?, ?, ?)', [
      'old',
      Date.now() - 1000,
      '{}',
    ]);
    await db.close();
    const reopened = await SqliteSessionStore.open(file, lifetime);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await reopened.purgeExpired()).toBe(1);
    await reopened.close();
  });

  it('lets an exception thrown by the caller escape as itself, not as a second store callback', async () => {
    await set(sut, 'a', sessionData());
    const seen: unknown[] = [];
    const thrown = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    sut.get('a', (error) => {
      seen.push(error);
      throw new Error('from the caller');
    });
    await expect(thrown).resolves.toMatchObject({ message: 'from the caller' });
    expect(seen).toEqual([null]);
  });

  it('purges expired rows in batches and keeps live ones', async () => {
    const db = await rawDb();
    await db.exec('BEGIN');
    for (let i = 0; i < 1200; i++) {
      await db.run('INSERT INTO sessions (sid, expired, sess) VALUES (?, ?, ?)', [
        `old${i}`,
        Date.now() - 1000,
        '{}',
      ]);
    }
    await db.exec('COMMIT');
    await db.close();
    await set(sut, 'live', sessionData({ lastSeen: Date.now() }));
    expect(await sut.purgeExpired()).toBe(1200);
    const count = await calls<number>((cb) => sut.length(cb));
    expect(count).toEqual([[null, 1]]);
  });

  it('lets every writer of one busy session through: a retry is not starved by newer writes', async () => {
    const sid = 'busy';
    await set(sut, sid, sessionData());
    const get = () =>
      new Promise<SessionData>((resolve, reject) =>
        sut.get(sid, (error, data) => (error || !data ? reject(error as Error) : resolve(data))),
      );
    const writers = Array.from({ length: 8 }, (_, writer) => async () => {
      for (let round = 1; round <= 40; round++) {
        const data = (await get()) as SessionData & Record<string, unknown>;
        data.theme = round % 2 ? 'dark' : 'light';
        data[`writer${writer}`] = round;
        await set(sut, sid, data);
      }
    });
    await Promise.all(writers.map((write) => write()));
    const final = (await get()) as SessionData & Record<string, unknown>;
    expect(writers.map((_, writer) => final[`writer${writer}`])).toEqual(writers.map(() => 40));
  });

  it('lands the writes still queued when it closes', async () => {
    const settled: unknown[] = [];
    for (const sid of ['a', 'b', 'c']) {
      sut.set(sid, liveSession(), (error) => settled.push(error));
    }
    await sut.close();
    // Store callbacks run on the tick after their write settles.
    await new Promise((resolve) => process.nextTick(resolve));
    expect(settled).toEqual([null, null, null]);
    const db = await rawDb();
    const rows = await db.all<{ sid: string }>('SELECT sid FROM sessions ORDER BY sid');
    await db.close();
    expect(rows.map((row) => row.sid)).toEqual(['a', 'b', 'c']);
  });

  it('answers ping while open and rejects once closed', async () => {
    await expect(sut.ping()).resolves.toBeUndefined();
    await sut.close();
    await expect(sut.ping()).rejects.toThrow(/closed/i);
  });
});
