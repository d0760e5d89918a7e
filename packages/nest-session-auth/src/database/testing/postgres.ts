import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { reasonOf, redactUrl } from '../database.js';

/**
 * A PostgreSQL URL tests may create databases through, or undefined (with a visible note) when
 * none answers. With REQUIRE_POSTGRES=1 (CI) a missing PostgreSQL is an error instead of a skip.
 */
export function postgresForTests(): Promise<string | undefined> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  return serviceForTests('PostgreSQL', url, 'DATABASE_URL', () =>
    withClient(url, (client) => client.query('SELECT 1')),
  );
}

/** `url` if `probe` resolves; else a visible skip note, or an error when REQUIRE_<SERVICE>=1. */
export async function serviceForTests(
  service: string,
  url: string,
  variable: string,
  probe: () => Promise<unknown>,
): Promise<string | undefined> {
  try {
    await probe();
    return url;
  } catch (error) {
    const reason = `${service} at ${redactUrl(url)} does not answer (${reasonOf(error)})`;
    const required = `REQUIRE_${service.toUpperCase()}`;
    if (process.env[required] === '1') {
      throw new Error(`${reason}, and ${required}=1`, { cause: error });
    }
    // oxlint-disable-next-line no-console -- a skipped suite must be visible in the test output
    console.warn(`SKIPPED: ${service} suites, because ${reason}. Set ${variable} or start it.`);
    return undefined;
  }
}

/** A database no other test run uses, and how to drop it. */
export interface TemporaryDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates `nsa_test_<pid>_<random>` on the server of `adminUrl`. */
export async function temporaryDatabase(adminUrl: string): Promise<TemporaryDatabase> {
  const name = `nsa_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl, (client) =>
    client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`),
  );
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  // Loaded here, not at the top: pg is an optional peer dependency of the package.
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
