import type { ResolvedSessionOptions } from '../session-options.interface.js';
import type { SessionLifetime } from '../session-lifetime.js';
import type { ManagedSessionStore } from './managed-session-store.js';
import { MemorySessionStore } from './memory-session.store.js';
import { SqliteSessionStore } from './sqlite-session.store.js';

/** Builds the store named by the options; the seam where further stores plug in. */
export async function createSessionStore(
  options: ResolvedSessionOptions,
  lifetime: SessionLifetime,
): Promise<ManagedSessionStore> {
  switch (options.store.type) {
    case 'memory':
      return new MemorySessionStore(lifetime);
    case 'sqlite':
      return SqliteSessionStore.open(options.store.file, lifetime);
    case 'redis': {
      // Loaded only when chosen: redis and connect-redis are optional peer dependencies.
      const { RedisSessionStore } = await import('./redis-session.store.js');
      return RedisSessionStore.open({ prefix: 'nsa:', ...options.store }, lifetime);
    }
  }
}
