import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  onTestFinished,
  vi,
} from 'vitest';
import { NameTakenError } from '../auth/index.js';
import { openDatabase, type DatabaseTarget } from '../database/database.js';
import { migrate } from '../database/migrations.js';
import { SqliteDatabase } from '../database/sqlite-database.js';
import { postgresForTests, temporaryDatabase } from '../database/testing/postgres.js';
import { accountsMigrations, type AccountsSchema } from './accounts.schema.js';
import { KyselyUserStore } from './kysely-user.store.js';
import * as users from './migrations/0001-users.js';

/** A database for one suite, and how to remove it afterwards. */
interface Backend {
  target: DatabaseTarget;
  remove(): Promise<void>;
}

const postgresUrl = await postgresForTests();

const backends: [string, () => Promise<Backend>][] = [
  [
    'SQLite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nsa-users-'));
      return {
        target: { type: 'sqlite', file: join(dir, 'accounts.db') },
        remove: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
];
if (postgresUrl) {
  backends.push([
    'PostgreSQL',
    async () => {
      const database = await temporaryDatabase(postgresUrl);
      return { target: { type: 'postgres', url: database.url }, remove: database.drop };
    },
  ]);
}

describe.each(backends)(`${KyselyUserStore.name} on %s`, (_name, createBackend) => {
  let backend: Backend;
  let sut: KyselyUserStore;

  beforeAll(async () => {
    backend = await createBackend();
  });
  afterAll(() => backend.remove());

  beforeEach(async () => {
    sut = await KyselyUserStore.open(backend.target);
  });
  afterEach(() => sut.close());

  it('creates an account and finds it by any look-alike spelling, keeping the name as given', async () => {
    const created = await sut.create('Ada Straße', 'hash-1');

    expect(created).toEqual({
      id: expect.any(String),
      name: 'Ada Straße',
      passwordHash: 'hash-1',
    });
    expect(await sut.findByName('ada strasse')).toEqual(created);
    expect(await sut.findByName('ＡＤＡ STRAẞE')).toEqual(created);
    expect(await sut.findByName('Ada')).toBeUndefined();
  });

  it.each([
    ['Grace', 'gRACE'],
    ['Jos\u00e9', 'JOSE\u0301'],
    ['\ufb01le', 'FILE'],
    ['\uff48\uff4f\uff50\uff50\uff45\uff52', 'hopper'],
    ['\u212Aelvin', 'kelvin'],
    ['\u03bf\u03b4\u03bf\u03c2', '\u039f\u0394\u039f\u03c3'],
  ])('after %j, refuses %j with NameTakenError', async (first, second) => {
    const created = await sut.create(first, 'hash-1');

    await expect(sut.create(second, 'hash-2')).rejects.toBeInstanceOf(NameTakenError);
    expect(await sut.findByName(second)).toEqual(created);
  });

  it('lets exactly one of two parallel sign-ups for one name through', async () => {
    const results = await Promise.allSettled([
      sut.create('Twinstraße', 'hash-1'),
      sut.create('TWINSTRASSE', 'hash-2'),
    ]);

    expect(results.map((result) => result.status).toSorted()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((result) => result.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(NameTakenError);
  });

  it('replaces the password hash of one account only', async () => {
    const alan = await sut.create('Alan', 'old-hash');
    const other = await sut.create('Other', 'other-hash');

    await sut.updatePasswordHash(alan.id, 'new-hash');

    expect((await sut.findByName('alan'))?.passwordHash).toBe('new-hash');
    expect((await sut.findByName('other'))?.passwordHash).toBe(other.passwordHash);
  });

  it('answers a ping', async () => {
    await expect(sut.ping()).resolves.toBeUndefined();
  });

  it('opens an already migrated database again, keeping its accounts', async () => {
    const created = await sut.create('Kept', 'hash-1');
    const again = await KyselyUserStore.open(backend.target);
    try {
      expect(await again.findByName('kept')).toEqual(created);
    } finally {
      await again.close();
    }
  });

  it('lets two instances starting at once migrate a new database, each step once', async () => {
    const fresh = await createBackend();
    try {
      const [first, second] = await Promise.all([
        KyselyUserStore.open(fresh.target),
        KyselyUserStore.open(fresh.target),
      ]);
      const created = await first.create('Shared', 'hash-1');
      expect(await second.findByName('shared')).toEqual(created);
      await Promise.all([first.close(), second.close()]);
    } finally {
      await fresh.remove();
    }
  });
});

/** The accounts table before `0002-name-key`. */
interface NamesOnlySchema {
  users: { id: string; name: string; password_hash: string; created_at: number };
}

/** Accounts created before names had keys: the 0001 schema, with `lower(name)` unique. */
async function writeNamesOnlyDatabase(
  target: DatabaseTarget,
  accounts: { id: string; name: string; created_at: number }[],
): Promise<void> {
  const logger = new Logger('test');
  const db = await openDatabase<NamesOnlySchema>(target, { '0001-users': users }, logger);
  try {
    const rows = accounts.map((account) => ({ ...account, password_hash: `hash-${account.id}` }));
    await db.insertInto('users').values(rows).execute();
  } finally {
    await db.destroy();
  }
}

async function indexesOnUsers(target: DatabaseTarget, db: Kysely<AccountsSchema>) {
  const query =
    target.type === 'sqlite'
      ? sql<{
          name: string;
        }>`select name from sqlite_master where type = 'index' and tbl_name = 'users'`
      : sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'users'`;
  return (await query.execute(db)).rows.map((row) => row.name);
}

describe.each(backends)('the name_key migration on %s', (_name, createBackend) => {
  let backend: Backend;

  beforeEach(async () => {
    backend = await createBackend();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await backend.remove();
  });

  it('keeps the oldest of look-alike accounts, parks the later ones, and says how many', async () => {
    await writeNamesOnlyDatabase(backend.target, [
      { id: 'a-later', name: 'STRASSE', created_at: 2000 },
      { id: 'z-oldest', name: 'straße', created_at: 1000 },
      { id: 'b-latest', name: 'stra\u017f\u017fe', created_at: 3000 },
      { id: 'fi-ligature', name: '\ufb01le', created_at: 4000 },
      { id: 'fi-letters', name: 'FILE', created_at: 5000 },
      { id: 'ada', name: 'Ada', created_at: 6000 },
    ]);
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    const sut = await KyselyUserStore.open(backend.target);
    const db = await openDatabase<AccountsSchema>(
      backend.target,
      accountsMigrations,
      new Logger('test'),
    );
    try {
      expect(warn).toHaveBeenCalledExactlyOnceWith(
        expect.stringMatching(/^3 account\(s\) have a name/),
      );
      expect(await sut.findByName('Strasse')).toMatchObject({ id: 'z-oldest', name: 'straße' });
      expect(await sut.findByName('file')).toMatchObject({ id: 'fi-ligature', name: '\ufb01le' });
      expect(await sut.findByName('ADA')).toMatchObject({ id: 'ada', name: 'Ada' });
      await expect(sut.create('STRASSE', 'hash')).rejects.toBeInstanceOf(NameTakenError);

      const keys = await db.selectFrom('users').select(['id', 'name_key']).orderBy('id').execute();
      expect(keys).toEqual([
        { id: 'a-later', name_key: 'strasse\u001fa-later' },
        { id: 'ada', name_key: 'ada' },
        { id: 'b-latest', name_key: 'strasse\u001fb-latest' },
        { id: 'fi-letters', name_key: 'file\u001ffi-letters' },
        { id: 'fi-ligature', name_key: 'file' },
        { id: 'z-oldest', name_key: 'strasse' },
      ]);
      const indexes = await indexesOnUsers(backend.target, db);
      expect(indexes).toContain('users_name_key');
      expect(indexes).not.toContain('users_name_lower_key');
    } finally {
      await Promise.all([sut.close(), db.destroy()]);
    }
  });

  it('warns about nothing when no names collide', async () => {
    await writeNamesOnlyDatabase(backend.target, [
      { id: 'one', name: 'Grace', created_at: 1000 },
      { id: 'two', name: 'Ｈｏｐｐｅｒ', created_at: 2000 },
    ]);
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    const sut = await KyselyUserStore.open(backend.target);
    try {
      expect(warn).not.toHaveBeenCalled();
      expect(await sut.findByName('GRACE')).toMatchObject({ id: 'one' });
      expect(await sut.findByName('hopper')).toMatchObject({ id: 'two', name: 'Ｈｏｐｐｅｒ' });
    } finally {
      await sut.close();
    }
  });
});

/** The schema and bookkeeping of the previous SqliteUserStore, with one account. */
async function writeOldStyleFile(file: string): Promise<void> {
  const db = await SqliteDatabase.open(file, () => undefined);
  await migrate(db, [
    `CREATE TABLE users (
       id TEXT PRIMARY KEY NOT NULL,
       name TEXT NOT NULL UNIQUE COLLATE NOCASE,
       password_hash TEXT NOT NULL,
       created_at INTEGER NOT NULL
     );`,
  ]);
  await db.run('INSERT INTO users (id, name, password_hash, created_at) VALUES (?, ?, ?, ?)', [
    'old-id',
    'Veteran',
    'old-hash',
    Date.now(),
  ]);
  await db.close();
}

describe(`${KyselyUserStore.name} on an accounts.db written before Kysely`, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nsa-users-old-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its users, and their names stay taken ignoring case', async () => {
    const file = join(dir, 'accounts.db');
    await writeOldStyleFile(file);

    const sut = await KyselyUserStore.open({ type: 'sqlite', file });
    try {
      expect(await sut.findByName('VETERAN')).toEqual({
        id: 'old-id',
        name: 'Veteran',
        passwordHash: 'old-hash',
      });
      await expect(sut.create('veteran', 'hash')).rejects.toBeInstanceOf(NameTakenError);
      expect(await sut.create('Newcomer', 'hash')).toMatchObject({ name: 'Newcomer' });
    } finally {
      await sut.close();
    }
  });
});

describe(`${KyselyUserStore.name} when the database cannot be reached`, () => {
  it('rejects within seconds with one line naming the database, not its password', async () => {
    const startedAt = Date.now();

    const error = await KyselyUserStore.open({
      type: 'postgres',
      url: 'postgres://app:s3cret@127.0.0.1:1/accounts?sslmode=disable',
    }).then(
      () => new Error('opened'),
      (rejection: unknown) => rejection as Error,
    );

    expect(error.message).toMatch(
      /^cannot use PostgreSQL database postgres:\/\/app@127\.0\.0\.1:1\/accounts: .*ECONNREFUSED/,
    );
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toContain('\n');
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });

  it('names the SQLite file it cannot open', async () => {
    // Under a regular file: no directory can ever be made there (a fixed path in the shared
    // temp dir could be, by any other test run).
    const dir = mkdtempSync(join(tmpdir(), 'nsa-unopenable-'));
    onTestFinished(() => rmSync(dir, { recursive: true }));
    writeFileSync(join(dir, 'afile'), '');
    const file = join(dir, 'afile', 'accounts.db');

    await expect(KyselyUserStore.open({ type: 'sqlite', file })).rejects.toThrow(
      `cannot use SQLite database ${file}: `,
    );
  });
});
