import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionData } from 'express-session';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../database/sqlite-database.js';
import { SessionLifetime } from '../session-lifetime.js';
import { SqliteSessionStore } from './sqlite-session.store.js';

const lifetime = new SessionLifetime({
  idleTimeout: 60,
  rememberMaxAge: 3600,
  absoluteTimeout: 86_400,
});

function sessionData(extra: Partial<SessionData> = {}): SessionData {
  return { cookie: { originalMaxAge: null, httpOnly: true, path: '/' }, ...extra } as SessionData;
}

/** Calls a callback-style store method and records every call of its callback. */
function calls<T>(
  invoke: (callback: (error: unknown, value?: T) => void) => void,
): Promise<unknown[][]> {
  const seen: unknown[][] = [];
  invoke((...args) => seen.push(args));
  // Let any second (buggy) callback arrive before looking.
  return new Promise((resolve) => setTimeout(() => resolve(seen), 50));
}

const get = (sut: SqliteSessionStore, sid: string) =>
  new Promise<SessionData | null | undefined>((resolve, reject) =>
    sut.get(sid, (error, data) => (error ? reject(error as Error) : resolve(data))),
  );
const set = (sut: SqliteSessionStore, sid: string, data: SessionData) =>
  new Promise<void>((resolve, reject) =>
    sut.set(sid, data, (error) => (error ? reject(error as Error) : resolve())),
  );
const destroy = (sut: SqliteSessionStore, sid: string) =>
  new Promise<void>((resolve, reject) =>
    sut.destroy(sid, (error) => (error ? reject(error as Error) : resolve())),
  );

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

  it('stores and loads a session, with the revision the store assigned', async () => {
    await set(sut, 'a', sessionData({ lastSeen: Date.now() }));
    const loaded = await get(sut, 'a');
    expect(loaded).toMatchObject({ rev: 1, cookie: { path: '/' } });
  });

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
    ]);
    expect(indexes.map((i) => i.name)).toContain('sessions_expired');
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
      (cb: (error: unknown) => void) => sut.all(cb),
      (cb: (error: unknown) => void) => sut.clear(cb),
    ]) {
      const seen = await calls(operation);
      expect(seen).toHaveLength(1);
      expect(seen[0][0]).toBeInstanceOf(Error);
    }
  });

  it("survives connect-sqlite3's own start-up cleanup failing (it runs it without a callback)", async () => {
    const rejections: unknown[] = [];
    const record = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', record);
    try {
      const early = await SqliteSessionStore.open(join(dir, 'other.db'), lifetime);
      await early.close(); // before the cleanup statement it scheduled has run
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      process.off('unhandledRejection', record);
    }
    expect(rejections).toEqual([]);
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

  it('does not write the same session object twice when nothing changed in between', async () => {
    const data = sessionData({ lastSeen: Date.now() });
    await set(sut, 'a', data);
    await set(sut, 'a', data);
    expect((await get(sut, 'a'))?.rev).toBe(1);
    data.lastSeen = Date.now() + 1;
    await set(sut, 'a', data);
    expect((await get(sut, 'a'))?.rev).toBe(2);
  });

  it('never writes back a session that was destroyed after it was loaded', async () => {
    await set(sut, 'a', sessionData({ lastSeen: Date.now() }));
    const loaded = await get(sut, 'a');
    await destroy(sut, 'a');
    await set(sut, 'a', { ...loaded!, lastSeen: Date.now() });
    expect(await get(sut, 'a')).toBeNull();
  });

  it('expires a browser session after the idle timeout, not after a fixed day', async () => {
    const now = Date.now();
    await set(sut, 'idle', sessionData({ createdAt: now - 120_000, lastSeen: now - 61_000 }));
    await set(sut, 'active', sessionData({ createdAt: now - 120_000, lastSeen: now - 30_000 }));
    expect(await get(sut, 'idle')).toBeNull();
    expect(await get(sut, 'active')).not.toBeNull();
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

  it('answers ping while open and rejects once closed', async () => {
    await expect(sut.ping()).resolves.toBeUndefined();
    await sut.close();
    await expect(sut.ping()).rejects.toThrow(/closed/i);
  });
});
