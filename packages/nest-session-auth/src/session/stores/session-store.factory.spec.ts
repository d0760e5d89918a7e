import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { SESSION_STORE } from '../session.constants.js';
import { SessionModule } from '../session.module.js';
import type { SessionStoreOptions } from '../session-options.interface.js';
import type { ManagedSessionStore } from './managed-session-store.js';
import { MemoryBackend } from './memory.backend.js';

/** The store SessionModule provides for `store`, and the backend under it. */
async function storeFor(store: SessionStoreOptions): Promise<ManagedSessionStore> {
  const moduleRef = await Test.createTestingModule({
    imports: [SessionModule.forRoot({ secret: 's', store })],
  }).compile();
  return moduleRef.get<ManagedSessionStore>(SESSION_STORE);
}

describe('SessionModule.forRoot({ store })', () => {
  it('runs a backend of your own under the core', async () => {
    const backend = new MemoryBackend();
    const sut = await storeFor(backend);
    expect(sut.backend).toBe(backend);
    await new Promise((resolve) => sut.set('a', { cookie: {} } as never, resolve));
    expect(await backend.count(0)).toBe(1);
  });

  it('takes a function making the backend, async or not', async () => {
    const backend = new MemoryBackend();
    expect((await storeFor(async () => backend)).backend).toBe(backend);
    expect((await storeFor(() => backend)).backend).toBe(backend);
  });

  it('keeps the named stores as shorthands', async () => {
    expect((await storeFor({ type: 'memory' })).backend).toBeInstanceOf(MemoryBackend);
  });
});
