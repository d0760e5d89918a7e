import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchedReader } from './batched-reader.js';
import { SqliteDatabase } from './sqlite-database.js';

describe(BatchedReader.name, () => {
  let dir: string;
  let db: SqliteDatabase;
  let sut: BatchedReader<{ key: string; v: number }>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nsa-reader-'));
    db = await SqliteDatabase.open(join(dir, 'test.db'), () => undefined);
    await db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)');
    await db.exec(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199)
       INSERT INTO t SELECT 'k' || i, i FROM n`,
    );
    sut = BatchedReader.sqlite(db, 'SELECT k AS key, v FROM t WHERE k IN');
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const queries = () => {
    const all = vi.spyOn(db, 'all');
    return () => all.mock.calls.length;
  };

  it('reads the keys asked for in one turn with one query, each getting its own row', async () => {
    const count = queries();
    const rows = await Promise.all(['k3', 'k1', 'k2'].map((key) => sut.get(key)));
    expect(rows).toEqual([
      { key: 'k3', v: 3 },
      { key: 'k1', v: 1 },
      { key: 'k2', v: 2 },
    ]);
    expect(count()).toBe(1);
  });

  it('answers undefined for a key with no row, and the same row to every caller of one key', async () => {
    const [missing, first, second] = await Promise.all([
      sut.get('nope'),
      sut.get('k7'),
      sut.get('k7'),
    ]);
    expect(missing).toBeUndefined();
    expect(first).toEqual({ key: 'k7', v: 7 });
    expect(second).toBe(first);
  });

  it('splits a large batch into queries of at most 64 keys', async () => {
    const count = queries();
    const keys = Array.from({ length: 150 }, (_, i) => `k${i}`);
    const rows = await Promise.all(keys.map((key) => sut.get(key)));
    expect(rows.map((row) => row?.v)).toEqual(keys.map((_, i) => i));
    expect(count()).toBe(3);
  });

  it('reads keys asked for in a later turn in a query of their own', async () => {
    const count = queries();
    await sut.get('k1');
    await expect(sut.get('k2')).resolves.toEqual({ key: 'k2', v: 2 });
    expect(count()).toBe(2);
  });

  it('rejects every read of a batch whose query fails, and the next batch reads again', async () => {
    const failure = new Error('SQLITE_IOERR: disk I/O error');
    vi.spyOn(db, 'all').mockRejectedValueOnce(failure);
    const failed = await Promise.allSettled([sut.get('k1'), sut.get('k2')]);
    expect(failed).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    await expect(sut.get('k1')).resolves.toEqual({ key: 'k1', v: 1 });
  });
});
