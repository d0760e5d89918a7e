import type { ResolvedSessionOptions } from '../session-options.interface.js';
import type { SessionLifetime } from '../session-lifetime.js';
import type { ManagedSessionStore } from './managed-session-store.js';
import { MemorySessionStore } from './memory-session.store.js';
import { RevisionedSessionStore } from './revisioned-session.store.js';
import { isSessionBackend, type SessionBackend } from './session-backend.js';
import { SqliteSessionStore } from './sqlite-session.store.js';

/** Builds the store of the options: a backend given (or made by a factory), or a named one. */
export async function createSessionStore(
  { store }: ResolvedSessionOptions,
  lifetime: SessionLifetime,
): Promise<ManagedSessionStore> {
  if (typeof store === 'function' || isSessionBackend(store)) {
    const backend = typeof store === 'function' ? await store() : store;
    return new RevisionedSessionStore({ backend, lifetime });
  }
  switch (store.type) {
    case 'memory':
      return new MemorySessionStore(lifetime);
    case 'sqlite':
      return SqliteSessionStore.open(store.file, lifetime);
    case 'redis':
    case 'postgres':
      return new RevisionedSessionStore({ backend: await openNetworked(store), lifetime });
  }
}

/** Loaded only when chosen: redis and pg are optional peer dependencies. */
async function openNetworked(
  store: Extract<ResolvedSessionOptions['store'], { type: 'redis' | 'postgres' }>,
): Promise<SessionBackend> {
  if (store.type === 'postgres') {
    const { PostgresBackend } = await import('./postgres.backend.js');
    return PostgresBackend.open(store.url);
  }
  const { RedisBackend } = await import('./redis.backend.js');
  return RedisBackend.open({ prefix: 'nsa:', ...store });
}
