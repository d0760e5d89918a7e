import { temporaryDatabase, type TemporaryDatabase } from 'nest-session-auth/testing';
import { createTestApp, type TestApp } from './create-test-app.js';

export interface TwoInstances {
  a: TestApp;
  b: TestApp;
  database: TemporaryDatabase;
  close(): Promise<void>;
}

/**
 * Two instances of the app on one fresh PostgreSQL database (`DATABASE_URL`), each with a
 * DATA_DIR of its own, as on two machines; started together, so both migrate at once.
 */
export async function twoInstances(
  postgresUrl: string,
  env: Record<string, string>,
): Promise<TwoInstances> {
  const database = await temporaryDatabase(postgresUrl);
  const shared = { ...env, DATABASE_URL: database.url };
  const [a, b] = await Promise.all([createTestApp(shared), createTestApp(shared)]);
  return {
    a,
    b,
    database,
    async close() {
      await Promise.all([a.close(), b.close()]);
      await database.drop();
    },
  };
}
