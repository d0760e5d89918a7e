import type { ColumnType } from 'kysely';
import type { Migration } from 'kysely';
import * as users from './migrations/0001-users.js';
import * as nameKey from './migrations/0002-name-key.js';

/** The accounts tables as Kysely types them. */
export interface AccountsSchema {
  users: UsersTable;
}

export interface UsersTable {
  id: string;
  /** As typed (trimmed, NFC), for display. */
  name: string;
  /** `accountNameKey(name)`, unique: what sign-in and sign-up compare. */
  name_key: string;
  password_hash: string;
  /** Milliseconds since the epoch; PostgreSQL returns a bigint as a string. */
  created_at: ColumnType<number | string, number, never>;
}

/** Every step of the accounts schema, applied in name order at start-up. */
export const accountsMigrations: Record<string, Migration> = {
  '0001-users': users,
  '0002-name-key': nameKey,
};
