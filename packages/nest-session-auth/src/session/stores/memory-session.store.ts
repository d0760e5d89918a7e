import type { SessionLifetime } from '../session-lifetime.js';
import { MemoryBackend } from './memory.backend.js';
import { RevisionedSessionStore } from './revisioned-session.store.js';

/** The core on a `MemoryBackend`: for development and tests. */
export class MemorySessionStore extends RevisionedSessionStore {
  constructor(lifetime: SessionLifetime) {
    super({ backend: new MemoryBackend(), lifetime });
  }
}
