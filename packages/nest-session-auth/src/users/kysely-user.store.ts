import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { accountNameKey } from '../auth/account-name.js';
import { NameTakenError, UserStore, type UserAccount } from '../auth/user-store.js';
import { isUniqueViolation, openDatabase, type DatabaseTarget } from '../database/database.js';
import { accountsMigrations, type AccountsSchema } from './accounts.schema.js';

/**
 * Accounts in SQLite (a file in DATA_DIR, shareable by instances on one machine) or in
 * PostgreSQL (shareable by instances on several), through one Kysely query layer.
 */
export class KyselyUserStore extends UserStore {
  private static readonly logger = new Logger('AccountsDatabase');
  private closing?: Promise<void>;

  constructor(private readonly db: Kysely<AccountsSchema>) {
    super();
  }

  /** Opens the database and migrates it; rejects with one line naming the database. */
  static async open(target: DatabaseTarget): Promise<KyselyUserStore> {
    return new KyselyUserStore(
      await openDatabase<AccountsSchema>(target, accountsMigrations, KyselyUserStore.logger),
    );
  }

  async findByName(name: string): Promise<UserAccount | undefined> {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'name', 'password_hash'])
      .where('name_key', '=', accountNameKey(name))
      .executeTakeFirst();
    return row && { id: row.id, name: row.name, passwordHash: row.password_hash };
  }

  async create(name: string, passwordHash: string): Promise<UserAccount> {
    const id = randomUUID();
    try {
      await this.db
        .insertInto('users')
        .values({
          id,
          name,
          name_key: accountNameKey(name),
          password_hash: passwordHash,
          created_at: Date.now(),
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new NameTakenError(name);
      throw error;
    }
    return { id, name, passwordHash };
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash })
      .where('id', '=', id)
      .execute();
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** Closes the database; once, however often it is called. */
  close(): Promise<void> {
    return (this.closing ??= this.db.destroy());
  }

  /** Nest calls this on `app.close()`, so the store closes with the app that provides it. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
