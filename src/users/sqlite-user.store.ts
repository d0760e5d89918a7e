import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { NameTakenError, UserStore, type UserAccount } from '../auth/index.js';
import { migrate } from '../database/migrations.js';
import { SqliteDatabase } from '../database/sqlite-database.js';

const SCHEMA = [
  `CREATE TABLE users (
     id TEXT PRIMARY KEY NOT NULL,
     name TEXT NOT NULL UNIQUE COLLATE NOCASE,
     password_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );`,
];

interface UserRow {
  id: string;
  name: string;
  password_hash: string;
}

/** Accounts in a SQLite file (WAL), shareable by instances on one DATA_DIR. */
export class SqliteUserStore extends UserStore {
  private static readonly logger = new Logger(SqliteUserStore.name);

  private constructor(private readonly db: SqliteDatabase) {
    super();
  }

  static async open(file: string): Promise<SqliteUserStore> {
    const db = await SqliteDatabase.open(file, (error) =>
      SqliteUserStore.logger.error(`accounts database error: ${error.message}`),
    );
    try {
      await migrate(db, SCHEMA);
    } catch (error) {
      await db.close();
      throw error;
    }
    return new SqliteUserStore(db);
  }

  async findByName(name: string): Promise<UserAccount | undefined> {
    const row = await this.db.get<UserRow>(
      'SELECT id, name, password_hash FROM users WHERE name = ?',
      [name],
    );
    return row && { id: row.id, name: row.name, passwordHash: row.password_hash };
  }

  async create(name: string, passwordHash: string): Promise<UserAccount> {
    const id = randomUUID();
    try {
      await this.db.run(
        'INSERT INTO users (id, name, password_hash, created_at) VALUES (?, ?, ?, ?)',
        [id, name, passwordHash, Date.now()],
      );
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT') throw new NameTakenError(name);
      throw error;
    }
    return { id, name, passwordHash };
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db.run('UPDATE users SET password_hash = ? WHERE id = ?', [passwordHash, id]);
  }

  async ping(): Promise<void> {
    await this.db.get('SELECT 1');
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
