import { serviceForTests } from '../../../database/testing/postgres.js';

/**
 * The Redis URL tests may use, or undefined (with a visible note) when none answers. With
 * REQUIRE_REDIS=1 (CI) a missing Redis is an error instead of a skip.
 */
export function redisForTests(): Promise<string | undefined> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  return serviceForTests('Redis', url, 'REDIS_URL', async () => {
    // Loaded here, not at the top: redis is an optional peer dependency of the package.
    const { createClient } = await import('redis');
    const client = createClient({
      url,
      socket: { connectTimeout: 1000, reconnectStrategy: false },
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
    } finally {
      if (client.isOpen) await client.close();
    }
  });
}

/** A key prefix no other test run uses. */
export const uniquePrefix = (label: string) =>
  `nsa-test:${label}:${process.pid}:${Date.now().toString(36)}:`;
