import type { SqliteDatabase } from './sqlite-database.js';

/**
 * Applies the steps the file has not seen yet, tracked in `PRAGMA user_version`. BEGIN IMMEDIATE
 * takes the write lock first, so two instances starting on one DATA_DIR apply each step once.
 */
export async function migrate(db: SqliteDatabase, steps: readonly string[]): Promise<void> {
  await db.exec('BEGIN IMMEDIATE');
  try {
    const row = await db.get<{ user_version: number }>('PRAGMA user_version');
    const applied = row?.user_version ?? 0;
    for (let version = applied; version < steps.length; version++) await db.exec(steps[version]);
    if (applied < steps.length) await db.exec(`PRAGMA user_version = ${steps.length}`);
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
