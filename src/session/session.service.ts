import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { SessionData } from 'express-session';
import { newCsrfToken } from './csrf.service.js';
import { RESOLVED_SESSION_OPTIONS, SESSION_STORE } from './session.constants.js';
import type { ResolvedSessionOptions } from './session-options.interface.js';
import { SessionStoreUnavailableException } from './session-store-unavailable.exception.js';
import { destroySession, regenerateSession, saveSession } from './session.utils.js';
import type { ManagedSessionStore, SessionSummary } from './stores/managed-session-store.js';

/** Session keys owned by this module; everything else belongs to the app and survives sign-in. */
const LIFECYCLE_KEYS = new Set([
  'cookie',
  'createdAt',
  'lastSeen',
  'owner',
  'handle',
  'device',
  'csrfToken',
]);

/** Longer user agents are cut: they are shown, not parsed for anything that matters. */
const MAX_USER_AGENT = 512;

export interface EstablishOptions {
  /** A persistent cookie (remember me) instead of a browser-session cookie. */
  remember: boolean;
  /** Who the session belongs to (a user id): what `list` and `revoke` go by. */
  owner: string;
}

/** A session in a "your sessions" list. */
export interface ListedSession extends SessionSummary {
  /** True for the session of the request asking. */
  current: boolean;
}

/**
 * Starts, lists and ends sessions. Each call resolves only once the store has the result, so
 * the response that follows (the 303 after sign-in) is never ahead of the store.
 */
@Injectable()
export class SessionService {
  /** Keys that outlive sign-out, registered by the features that own them. */
  private readonly keptAcrossSignOut = new Set<keyof SessionData>();

  constructor(
    @Inject(RESOLVED_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SESSION_STORE) private readonly store: ManagedSessionStore,
  ) {}

  /**
   * Issues a new session id (no fixation), carries over the app's data (such as a theme), sets
   * `values`, and saves. Data carries over only from an anonymous session or one of the same
   * owner: signing in as someone else keeps just the `keepAcrossSignOut` keys, so one user's
   * data (a cart) never follows the browser to another user (as Django flushes in that case).
   * @example await sessions.establish(req, { user: { id, name } }, { remember: true, owner: id });
   */
  async establish(
    req: Request,
    values: Partial<SessionData>,
    { remember, owner }: EstablishOptions,
  ): Promise<void> {
    const sameOwner = req.session.owner === undefined || req.session.owner === owner;
    const carried = Object.entries(req.session).filter(
      ([key]) =>
        !LIFECYCLE_KEYS.has(key) &&
        (sameOwner || this.keptAcrossSignOut.has(key as keyof SessionData)),
    );
    await this.storeCall(() => regenerateSession(req));
    const now = Date.now();
    Object.assign(req.session, Object.fromEntries(carried), values, {
      createdAt: now,
      lastSeen: now,
      owner,
      handle: randomBytes(12).toString('base64url'),
      csrfToken: newCsrfToken(),
      device: {
        userAgent: (req.get('user-agent') ?? '').slice(0, MAX_USER_AGENT),
        ip: req.ip ?? '',
      },
    });
    // The regenerated cookie is a browser-session cookie unless given a lifetime.
    if (remember) req.session.cookie.maxAge = this.options.rememberMaxAge * 1000;
    await this.storeCall(() => saveSession(req));
  }

  /**
   * Makes a visitor's session one that is kept (timeouts apply) before storing something in it
   * without signing in, such as a preference.
   * @example sessions.keep(req); req.session.theme = 'dark';
   */
  keep(req: Request): void {
    if (req.session.createdAt !== undefined) return;
    req.session.createdAt = req.session.lastSeen = Date.now();
    req.session.csrfToken = newCsrfToken();
  }

  /**
   * Makes `key` outlive sign-out (a preference such as a theme, not anything about the user):
   * `end()` then hands the visitor a fresh anonymous session, with a new id, holding only such
   * keys. Call it once, from the module that owns the key.
   * @example sessions.keepAcrossSignOut('theme');
   */
  keepAcrossSignOut(key: keyof SessionData): void {
    this.keptAcrossSignOut.add(key);
  }

  /**
   * Deletes the session from the store and expires the cookie in the browser. When the session
   * holds keys registered with `keepAcrossSignOut`, a new anonymous session (new id) keeps just
   * those instead, saved before this resolves.
   * @example await sessions.end(req, res);
   */
  async end(req: Request, res: Response): Promise<void> {
    const kept = this.valuesKeptAcrossSignOut(req);
    if (kept) return this.restartAnonymous(req, kept);
    await this.storeCall(() => destroySession(req));
    res.clearCookie(this.options.name, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure(req),
    });
  }

  /** Saves now rather than when the response ends. */
  save(req: Request): Promise<void> {
    return this.storeCall(() => saveSession(req));
  }

  /**
   * The live sessions of the owner of this request's session, the current one marked.
   * @example const sessions = await sessionService.list(req);
   */
  async list(req: Request): Promise<ListedSession[]> {
    const { owner, handle } = req.session;
    if (owner === undefined) return [];
    const sessions = await this.storeCall(() => this.store.listOwned(owner));
    return sessions.map((listed) => ({ ...listed, current: listed.handle === handle }));
  }

  /**
   * Ends another session of the same owner, at once, wherever it is used. Resolves to false
   * when the handle names no such session (or names the current one: sign out instead).
   */
  async revoke(req: Request, handle: string): Promise<boolean> {
    const { owner } = req.session;
    if (owner === undefined || handle === req.session.handle) return false;
    return (await this.storeCall(() => this.store.destroyOwned(owner, { handle }))) > 0;
  }

  /** Ends every session of the owner except this request's. Resolves to how many ended. */
  revokeOthers(req: Request): Promise<number> {
    const { owner, handle } = req.session;
    if (owner === undefined) return Promise.resolve(0);
    return this.storeCall(() => this.store.destroyOwned(owner, { exceptHandle: handle }));
  }

  private valuesKeptAcrossSignOut(req: Request): Partial<SessionData> | undefined {
    const kept = [...this.keptAcrossSignOut]
      .filter((key) => req.session[key] !== undefined)
      .map((key) => [key, req.session[key]]);
    return kept.length > 0 ? Object.fromEntries(kept) : undefined;
  }

  /** Regenerating deletes the old row, so the signed-out id stays dead (no fixation either). */
  private async restartAnonymous(req: Request, kept: Partial<SessionData>): Promise<void> {
    await this.storeCall(() => regenerateSession(req));
    this.keep(req);
    Object.assign(req.session, kept);
    await this.storeCall(() => saveSession(req));
  }

  private secure(req: Request): boolean {
    return this.options.secureCookies && req.secure;
  }

  private async storeCall<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new SessionStoreUnavailableException(error);
    }
  }
}
