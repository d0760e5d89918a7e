import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NameTakenError } from '../auth/index.js';
import type { DatabaseTarget } from '../database/database.js';
import { migrate } from '../database/migrations.js';
import { SqliteDatabase } from '../database/sqlite-database.js';
import { postgresForTests, temporaryDatabase } from '../database/testing/postgres.js';
import { KyselyUserStore } from './kysely-user.store.js';

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

  it('creates an account and finds it by name, ignoring case', async () => {
    const created = await sut.create('Ada Lovelace', 'hash-1');

    expect(created).toEqual({
      id: expect.any(String),
      name: 'Ada Lovelace',
      passwordHash: 'hash-1',
    });
    expect(await sut.findByName('ada lovelace')).toEqual(created);
    expect(await sut.findByName('ADA LOVELACE')).toEqual(created);
    expect(await sut.findByName('Ada')).toBeUndefined();
  });

  it('refuses a taken name in any case with NameTakenError', async () => {
    await sut.create('Grace', 'hash-1');

    await expect(sut.create('Grace', 'hash-2')).rejects.toBeInstanceOf(NameTakenError);
    await expect(sut.create('gRACE', 'hash-2')).rejects.toBeInstanceOf(NameTakenError);
    expect((await sut.findByName('grace'))?.passwordHash).toBe('hash-1');
  });

  it('lets exactly one of two parallel sign-ups for one name through', async () => {
    const results = await Promise.allSettled([
      sut.create('Twin', 'hash-1'),
      sut.create('TWIN', 'hash-2'),
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
    const file = join(tmpdir(), 'nsa-no-such-dir', 'sub', 'accounts.db');

    await expect(KyselyUserStore.open({ type: 'sqlite', file })).rejects.toThrow(
      `cannot use SQLite database ${file}: `,
    );
  });
});
