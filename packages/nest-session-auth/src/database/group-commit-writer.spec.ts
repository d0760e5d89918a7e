import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GroupCommitWriter } from './group-commit-writer.js';
import { SqliteDatabase } from './sqlite-database.js';

const INSERT = 'INSERT INTO t (k) VALUES (?)';

describe(GroupCommitWriter.name, () => {
  let dir: string;
  let reader: SqliteDatabase;
  let writes: SqliteDatabase;
  let sut: GroupCommitWriter;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nsa-writer-'));
    const file = join(dir, 'test.db');
    reader = await SqliteDatabase.open(file, () => undefined);
    await reader.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
    writes = await SqliteDatabase.open(file, () => undefined);
    sut = new GroupCommitWriter(writes);
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await sut.close().catch(() => undefined);
    await reader.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const keys = async () =>
    (await reader.all<{ k: string }>('SELECT k FROM t ORDER BY rowid')).map((row) => row.k);

  const transactions = () => {
    const exec = vi.spyOn(writes, 'exec');
    return () => exec.mock.calls.filter(([sql]) => sql === 'BEGIN IMMEDIATE').length;
  };

  /** Makes the next COMMIT fail as a full or failing disk would, leaving the transaction open. */
  function failNextCommit(): Error {
    const failure = new Error('SQLITE_IOERR: disk I/O error');
    const exec = writes.exec.bind(writes);
    let failed = false;
    vi.spyOn(writes, 'exec').mockImplementation((sql) => {
      if (sql !== 'COMMIT' || failed) return exec(sql);
      failed = true;
      return Promise.reject(failure);
    });
    return failure;
  }

  it('commits writes issued together in one transaction, in order, each with its own result', async () => {
    const count = transactions();
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) => sut.run(INSERT, [`k${i}`])),
    );
    expect(count()).toBe(1);
    expect(results.map((result) => result.lastID)).toEqual(results.map((_, i) => i + 1));
    expect(results.every((result) => result.changes === 1)).toBe(true);
    expect(await keys()).toHaveLength(32);
  });

  it('commits a lone write by itself, without a transaction of its own', async () => {
    const count = transactions();
    await expect(sut.run(INSERT, ['a'])).resolves.toEqual({ changes: 1, lastID: 1 });
    expect(count()).toBe(0);
    expect(await keys()).toEqual(['a']);
  });

  it('caps a transaction at 256 writes', async () => {
    const count = transactions();
    await Promise.all(Array.from({ length: 300 }, (_, i) => sut.run(INSERT, [`k${i}`])));
    expect(count()).toBe(2);
    expect(await keys()).toHaveLength(300);
  });

  it('rejects only the write whose statement fails', async () => {
    const results = await Promise.allSettled([
      sut.run(INSERT, ['a']),
      sut.run(INSERT, ['a']),
      sut.run(INSERT, ['b']),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[1]).toMatchObject({ reason: { code: 'SQLITE_CONSTRAINT' } });
    expect(await keys()).toEqual(['a', 'b']);
  });

  it('reports as failed exactly the writes a statement that ends the transaction took with it', async () => {
    await reader.exec(
      `CREATE TRIGGER boom BEFORE INSERT ON t WHEN new.k = 'boom'
       BEGIN SELECT RAISE(ROLLBACK, 'boom'); END`,
    );
    const results = await Promise.allSettled([
      sut.run(INSERT, ['a']),
      sut.run(INSERT, ['boom']),
      sut.run(INSERT, ['c']),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(await keys()).toEqual(['c']);
  });

  it('rejects every write of a transaction whose COMMIT fails, and the next one commits', async () => {
    const failure = failNextCommit();
    const failed = await Promise.allSettled([sut.run(INSERT, ['a']), sut.run(INSERT, ['b'])]);
    expect(failed).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    expect(await keys()).toEqual([]);

    await Promise.all([sut.run(INSERT, ['c']), sut.run(INSERT, ['d'])]);
    expect(await keys()).toEqual(['c', 'd']);
  });

  it('settles every queued write before closing, and refuses writes once closed', async () => {
    const settled: string[] = [];
    const queued = ['a', 'b', 'c'].map((k) => sut.run(INSERT, [k]).then(() => settled.push(k)));
    await sut.close();
    expect(settled).toEqual(['a', 'b', 'c']);
    await Promise.all(queued);
    expect(await keys()).toEqual(['a', 'b', 'c']);
    await expect(sut.run(INSERT, ['d'])).rejects.toThrow(/closed/);
  });
});
