import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchedReader, GroupCommitWriter, SqliteDatabase } from './sqlite-database.js';

const INSERT = 'INSERT INTO t (k) VALUES (?)';

/** Permission bits in octal, as `ls -l` shows them. */
const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe(SqliteDatabase.name, () => {
  let dir: string;
  let umask: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nsa-sqlite-'));
    // A permissive umask: left to itself, SQLite would then create files 0644.
    umask = process.umask(0);
  });

  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the database file and its -wal, -shm and -journal files 0600', async () => {
    const file = join(dir, 'private.db');
    const sut = await SqliteDatabase.open(file, () => undefined);
    await sut.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
    const walModes = [file, `${file}-wal`, `${file}-shm`].map(modeOf);

    // A rollback journal exists while a write transaction is open in journal_mode DELETE.
    await sut.exec('PRAGMA journal_mode = DELETE; BEGIN IMMEDIATE');
    await sut.run(INSERT, ['a']);
    const journalMode = modeOf(`${file}-journal`);
    await sut.exec('COMMIT');
    await sut.close();

    expect([...walModes, journalMode]).toEqual(['600', '600', '600', '600']);
  });

  it('opens an existing database without changing its mode or content', async () => {
    const file = join(dir, 'existing.db');
    const first = await SqliteDatabase.open(file, () => undefined);
    await first.exec("CREATE TABLE t (k TEXT PRIMARY KEY); INSERT INTO t VALUES ('kept')");
    await first.close();

    const sut = await SqliteDatabase.open(file, () => undefined);

    expect(await sut.all('SELECT k FROM t')).toEqual([{ k: 'kept' }]);
    expect(modeOf(file)).toBe('600');
    await sut.close();
  });

  it('names the file it cannot create', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const file = join(dir, 'a-file', 'x.db');

    await expect(SqliteDatabase.open(file, () => undefined)).rejects.toThrow(
      `cannot open SQLite database ${file}: EEXIST`,
    );
  });

  it('creates no file for an in-memory database', async () => {
    const sut = await SqliteDatabase.open(':memory:', () => undefined);
    await sut.close();

    expect(existsSync(':memory:')).toBe(false);
  });
});

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
    sut = new BatchedReader(db, 'SELECT k AS key, v FROM t WHERE k IN');
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
