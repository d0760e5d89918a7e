import { Logger } from '@nestjs/common';
import type { SessionData } from 'express-session';
import { mergeSessionData } from '../session-merge.js';
import type { SessionLifetime } from '../session-lifetime.js';
import type { SessionBackend, SessionRecord, StoredSession } from './session-backend.js';

/**
 * Vets session data that a save merged with another request's: throws (an HttpException with
 * a 4xx status, say) to refuse the save when the merge breaks a rule that each request alone
 * kept, such as a cap on how many items a collection holds.
 */
export type MergeCheck = (merged: SessionData) => void;

/** Each attempt that fails lost to a write that succeeded, so this bounds parallel writers, not time. */
const MAX_MERGE_ATTEMPTS = 100;

/**
 * The save rules every store shares. Each row has a revision; a save is a compare-and-set
 * against the revision the request loaded. When another request saved first, this request's
 * own changes (what it loaded vs what it saves) are merged onto the newer data and the write
 * is retried, so parallel requests on one session never lose each other's writes, on one
 * instance or several. A request that changed nothing writes nothing. A row that is gone was
 * destroyed (sign-out, revocation, expiry): it is not written back.
 *
 * The alternative, a per-session lock, would make every request of a session wait for the
 * previous one and needs a lock service shared by all instances; conflicts are rare, so paying
 * only when one happens is cheaper.
 */
export class SessionPersistence {
  private static readonly logger = new Logger('SessionStore');
  /** The JSON each session object was loaded as: the base of a merge. */
  private readonly loadedAs = new WeakMap<object, StoredSession>();
  /** What was last written for each session object, so an unchanged session is not rewritten. */
  private readonly writtenAs = new WeakMap<object, StoredSession>();
  private readonly mergeChecks: MergeCheck[] = [];

  constructor(
    private readonly backend: SessionBackend,
    private readonly lifetime: SessionLifetime,
  ) {}

  /** Adds a check that every merged save must pass before it is written. */
  addMergeCheck(check: MergeCheck): void {
    this.mergeChecks.push(check);
  }

  /** Parses a stored row; a row that does not parse is treated as no session, not a crash. */
  decode(stored: StoredSession): SessionData | null {
    try {
      const data = JSON.parse(stored.json) as SessionData;
      this.loadedAs.set(data, stored);
      return data;
    } catch {
      SessionPersistence.logger.warn(
        `ignoring a session whose data does not parse (${stored.json.length} bytes)`,
      );
      return null;
    }
  }

  /** express-session copies loaded data into a new Session object; carry the load state over. */
  adopt(session: object, data: object): void {
    const stored = this.loadedAs.get(data);
    if (stored) this.loadedAs.set(session, stored);
  }

  async save(sid: string, session: SessionData): Promise<void> {
    let json = JSON.stringify(session);
    const previous = this.writtenAs.get(session) ?? this.loadedAs.get(session);
    if (previous?.json === json) return;
    if (!previous) {
      const record = this.record(json, session);
      await this.backend.insert(sid, record);
      this.writtenAs.set(session, { json, rev: 1, expires: record.expires });
      return;
    }
    let base = previous;
    let data: unknown = session;
    for (let attempt = 0; attempt < MAX_MERGE_ATTEMPTS; attempt++) {
      const record = this.record(json, data as SessionData);
      const hint = { retry: attempt > 0 };
      if (await this.backend.update(sid, record, base.rev, hint)) {
        this.writtenAs.set(session, { json, rev: base.rev + 1, expires: record.expires });
        return;
      }
      const current = await this.backend.read(sid, { retry: true });
      if (!current) return; // Destroyed meanwhile: it stays destroyed.
      data = mergeSessionData(JSON.parse(base.json), data, JSON.parse(current.json));
      for (const check of this.mergeChecks) check(data as SessionData);
      json = JSON.stringify(data);
      base = current;
    }
    throw new Error(`session kept changing under ${MAX_MERGE_ATTEMPTS} attempts to save it`);
  }

  private record(json: string, data: SessionData): SessionRecord {
    return {
      json,
      expires: this.lifetime.expiresAt(data),
      owner: data.owner ?? null,
      handle: data.handle ?? null,
      createdAt: data.createdAt ?? null,
      lastSeen: data.lastSeen ?? null,
      userAgent: data.device?.userAgent ?? null,
      ip: data.device?.ip ?? null,
    };
  }
}
