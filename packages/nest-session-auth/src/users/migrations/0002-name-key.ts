import { Logger } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { accountNameKey } from '../../auth/account-name.js';

/** The table as this step finds it; later steps may change it, this step must not. */
interface Schema {
  users: { id: string; name: string; created_at: number | string; name_key: string };
}

/** Joins a parked key to its account id; names refuse control characters, so none is typed. */
const PARKED_KEY_SEPARATOR = '\u001f';

/**
 * Names are unique by `accountNameKey` (NFKC and full case folding) in a `name_key` column,
 * filled here in JS so SQLite and PostgreSQL agree; `lower(name)` let `straße` and `STRASSE`
 * be two accounts. Where existing keys collide, the oldest account keeps the key; each later
 * one gets `key U+001F id`, which no typed name reaches, so it cannot sign in until an operator
 * renames it. A warning says how many. The default only satisfies NOT NULL on SQLite's
 * ADD COLUMN: every insert writes the key.
 */
export async function up(db: Kysely<Schema>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('name_key', 'text', (column) => column.notNull().defaultTo(''))
    .execute();
  const parked = await fillNameKeys(db);
  await db.schema.dropIndex('users_name_lower_key').execute();
  await db.schema.createIndex('users_name_key').on('users').column('name_key').unique().execute();
  if (parked > 0) {
    new Logger('AccountsDatabase').warn(
      `${parked} account(s) have a name that looks the same as an older account's; they cannot sign in until renamed (their name_key ends in U+001F and their id)`,
    );
  }
}

/** Writes every row's key, oldest first; returns how many were parked. */
async function fillNameKeys(db: Kysely<Schema>): Promise<number> {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'name'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const taken = new Set<string>();
  for (const { id, name } of rows) {
    const key = accountNameKey(name);
    const nameKey = taken.has(key) ? `${key}${PARKED_KEY_SEPARATOR}${id}` : key;
    taken.add(key);
    await db.updateTable('users').set({ name_key: nameKey }).where('id', '=', id).execute();
  }
  return rows.length - taken.size;
}
