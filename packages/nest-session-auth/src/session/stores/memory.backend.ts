import type {
  OwnedSelector,
  SessionBackend,
  SessionRecord,
  SessionSummary,
  StoredSession,
} from './session-backend.js';
import { selects } from './session-backend.js';

type Entry = SessionRecord & { rev: number };

/**
 * Sessions in a Map, with the same rules as the others (expiry, compare-and-set, an owner
 * index, purge). For development and tests: not shared between instances, lost on restart.
 * (express-session's MemoryStore keeps browser-session entries forever.)
 */
export class MemoryBackend implements SessionBackend {
  private readonly sessions = new Map<string, Entry>();
  private readonly byOwner = new Map<string, Set<string>>();

  async read(sid: string): Promise<StoredSession | undefined> {
    return this.sessions.get(sid);
  }

  async insert(sid: string, record: SessionRecord): Promise<void> {
    this.put(sid, { ...record, rev: 1 });
  }

  async update(sid: string, record: SessionRecord, rev: number): Promise<boolean> {
    if (this.sessions.get(sid)?.rev !== rev) return false;
    this.put(sid, { ...record, rev: rev + 1 });
    return true;
  }

  async remove(sid: string): Promise<void> {
    this.drop(sid);
  }

  private drop(sid: string): void {
    const owner = this.sessions.get(sid)?.owner;
    this.sessions.delete(sid);
    if (owner === undefined || owner === null) return;
    const owned = this.byOwner.get(owner);
    owned?.delete(sid);
    if (owned?.size === 0) this.byOwner.delete(owner);
  }

  async listOwned(owner: string, now: number): Promise<SessionSummary[]> {
    return this.owned(owner)
      .filter(([, entry]) => entry.expires > now)
      .map(([, entry]) => ({
        handle: entry.handle ?? '',
        createdAt: entry.createdAt ?? 0,
        lastSeen: entry.lastSeen ?? 0,
        userAgent: entry.userAgent ?? '',
        ip: entry.ip ?? '',
      }));
  }

  async removeOwned(owner: string, which: OwnedSelector): Promise<number> {
    const doomed = this.owned(owner).filter(([, entry]) => selects(which, entry.handle));
    for (const [sid] of doomed) this.drop(sid);
    return doomed.length;
  }

  async purgeExpired(now: number): Promise<number> {
    const expired = [...this.sessions].filter(([, entry]) => entry.expires <= now);
    for (const [sid] of expired) this.drop(sid);
    return expired.length;
  }

  async count(now: number): Promise<number> {
    return [...this.sessions.values()].filter((entry) => entry.expires > now).length;
  }

  async clear(): Promise<void> {
    this.sessions.clear();
    this.byOwner.clear();
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    await this.clear();
  }

  private put(sid: string, entry: Entry): void {
    this.drop(sid);
    this.sessions.set(sid, entry);
    if (entry.owner === null) return;
    const owned = this.byOwner.get(entry.owner) ?? new Set<string>();
    this.byOwner.set(entry.owner, owned.add(sid));
  }

  private owned(owner: string): [string, Entry][] {
    return [...(this.byOwner.get(owner) ?? [])].map((sid) => [sid, this.sessions.get(sid)!]);
  }
}
