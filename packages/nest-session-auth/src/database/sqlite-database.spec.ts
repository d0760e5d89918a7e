import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from './sqlite-database.js';

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
