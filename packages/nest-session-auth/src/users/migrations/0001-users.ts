import { sql, type Kysely } from 'kysely';

/**
 * Accounts. Names are unique ignoring case through an index on `lower(name)`, which both
 * databases support and lookups use (0002 replaces it with `name_key`). `ifNotExists`: a SQLite
 * accounts.db created before migrations ran through Kysely already has the table (with
 * `name ... UNIQUE COLLATE NOCASE`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .ifNotExists()
    .addColumn('id', 'text', (column) => column.primaryKey().notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('password_hash', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('users_name_lower_key')
    .ifNotExists()
    .on('users')
    .unique()
    .expression(sql`lower(name)`)
    .execute();
}
