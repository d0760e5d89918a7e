import type { ColumnType } from 'kysely';
import type { Migration } from 'kysely';
import * as users from './migrations/0001-users.js';

/** The accounts tables as Kysely types them. */
export interface AccountsSchema {
  users: UsersTable;
}

export interface UsersTable {
  id: string;
  name: string;
  password_hash: string;
  /** Milliseconds since the epoch; PostgreSQL returns a bigint as a string. */
  created_at: ColumnType<number | string, number, never>;
}

/** Every step of the accounts schema, applied in name order at start-up. */
export const accountsMigrations: Record<string, Migration> = {
  '0001-users': users,
};
