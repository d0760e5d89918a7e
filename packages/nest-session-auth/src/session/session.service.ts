import { randomBytes } from 'node:crypto';
import { HttpException, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { SessionData } from 'express-session';
import { AnonymousCsrf } from './anonymous-csrf.js';
import { cookieAttributes } from './cookies.js';
import { newCsrfToken } from './csrf-token.js';
import { RESOLVED_SESSION_OPTIONS, SESSION_STORE } from './session.constants.js';
import type { ResolvedSessionOptions } from './session-options.interface.js';
import { SessionStoreUnavailableException } from './session-store-unavailable.exception.js';
import { destroySession, regenerateSession, reloadSession, saveSession } from './session.utils.js';
import { isStoredSession } from './stored-session.js';
import type { ManagedSessionStore } from './stores/managed-session-store.js';
import type { SessionSummary } from './stores/session-backend.js';
import type { MergeCheck } from './stores/session-persistence.js';
import { VisitorCookie, type VisitorValueCheck } from './visitor-cookie.js';

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
 * the response that follows (the 303 after sign-in) is never ahead of the store. Only signing
 * in or up creates a row: visitors keep their visitor keys in a signed cookie instead.
 */
@Injectable()
export class SessionService {
  private readonly visitorCookie: VisitorCookie;
  private readonly anonymousCsrf: AnonymousCsrf;

  constructor(
    @Inject(RESOLVED_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SESSION_STORE) private readonly store: ManagedSessionStore,
  ) {
    this.visitorCookie = new VisitorCookie(options);
    this.anonymousCsrf = new AnonymousCsrf(options);
  }

  /**
   * Issues a new session id (no fixation), carries over the app's data and the visitor cookie's
   * keys (such as a theme), sets `values`, and saves; then clears the visitor and anonymous CSRF
   * cookies, which the session replaces. Data carries over only from an anonymous session or
   * one of the same owner: signing in as someone else keeps just the visitor keys, so one
   * user's data (a cart) never follows the browser to another user (as Django flushes then).
   * @example await sessions.establish(req, { user: { id, name } }, { remember: true, owner: id });
   */
  async establish(
    req: Request,
    values: Partial<SessionData>,
    { remember, owner }: EstablishOptions,
  ): Promise<void> {
    const carried = { ...this.visitorCookie.read(req), ...this.carriedOver(req, owner) };
    await this.storeCall(() => regenerateSession(req));
    const now = Date.now();
    Object.assign(req.session, carried, values, {
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
    // Express sets req.res; the response is reached through it to keep establish()'s signature.
    if (req.res) {
      this.visitorCookie.clear(req, req.res);
      this.anonymousCsrf.forget(req, req.res);
    }
  }

  /**
   * Moves the session to a new id with all its data (still signed in, same handle, same
   * timeouts) and a new CSRF token, saved before this resolves; the old id is dead. For a
   * change of privilege such as a new password (OWASP session management).
   * @example await sessions.renew(req);
   */
  async renew(req: Request): Promise<void> {
    const { cookie, ...data } = req.session;
    const remembered = cookie.originalMaxAge;
    await this.storeCall(() => regenerateSession(req));
    Object.assign(req.session, data, { csrfToken: newCsrfToken() });
    if (remembered !== null) req.session.cookie.maxAge = remembered;
    await this.storeCall(() => saveSession(req));
  }

  /**
   * Makes `key` a visitor key: a preference about the browser (a theme), not about the user,
   * that a visitor without a session keeps in a signed cookie rather than a session row. It
   * moves into the session at sign-in and back into the cookie at sign-out. Call it once, from
   * the module that owns the key; `check` vets values read back from the cookie.
   * @example sessions.registerVisitorKey('theme', isTheme);
   */
  registerVisitorKey<K extends keyof SessionData>(key: K, check: VisitorValueCheck<K>): void {
    this.visitorCookie.register(key, check);
  }

  /**
   * A visitor key's value: the session's when it is stored, else the visitor cookie's.
   * @example const theme = sessions.visitorValue(req, 'theme') ?? 'light';
   */
  visitorValue<K extends keyof SessionData>(req: Request, key: K): SessionData[K] | undefined {
    const values: Partial<SessionData> = isStoredSession(req)
      ? req.session
      : this.visitorCookie.read(req);
    return values[key];
  }

  /**
   * Sets a visitor key: in the session when it is stored (saved before this resolves, so a
   * store failure is a 503 rather than a lost change), else in the visitor cookie.
   * @example await sessions.setVisitorValue(req, res, 'theme', 'dark');
   */
  async setVisitorValue<K extends keyof SessionData>(
    req: Request,
    res: Response,
    key: K,
    value: SessionData[K],
  ): Promise<void> {
    if (!this.visitorCookie.has(key)) throw new Error(`"${key}" is not a visitor key`);
    if (!isStoredSession(req)) {
      return this.visitorCookie.write(req, res, { ...this.visitorCookie.read(req), [key]: value });
    }
    Object.assign(req.session, { [key]: value });
    await this.save(req);
  }

  /**
   * Deletes the session from the store and expires its cookie in the browser. Its visitor keys
   * (such as a theme) go back into the visitor cookie, so signing out leaves no row behind.
   * @example await sessions.end(req, res);
   */
  async end(req: Request, res: Response): Promise<void> {
    const kept = isStoredSession(req) ? this.visitorCookie.pick(req.session) : undefined;
    await this.storeCall(() => destroySession(req));
    res.clearCookie(this.options.name, cookieAttributes(this.options, req));
    if (kept) this.visitorCookie.write(req, res, kept);
  }

  /**
   * Adds a rule that data merged from parallel saves of one session must keep, checked before
   * the merge is written; the check throws a 4xx HttpException to refuse the save, and the
   * request that lost the race gets that answer from `save`. Call it once, from the module that
   * owns the data.
   * @example sessions.addMergeCheck((data) => { if (tooMany(data)) throw new BadRequestException('Full.'); });
   */
  addMergeCheck(check: MergeCheck): void {
    this.store.addMergeCheck(check);
  }

  /** Replaces the request's session data with what the store holds now. */
  reload(req: Request): Promise<void> {
    return this.storeCall(() => reloadSession(req));
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

  /** The app's data this sign-in keeps: all of it for the same owner, else only visitor keys. */
  private carriedOver(req: Request, owner: string): Partial<SessionData> {
    const sameOwner = req.session.owner === undefined || req.session.owner === owner;
    return Object.fromEntries(
      Object.entries(req.session).filter(
        ([key]) => !LIFECYCLE_KEYS.has(key) && (sameOwner || this.visitorCookie.has(key)),
      ),
    );
  }

  /** A store failure is a 503; a save refused by a merge check keeps its own (4xx) answer. */
  private async storeCall<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof HttpException && error.getStatus() < 500) throw error;
      throw new SessionStoreUnavailableException(error);
    }
  }
}
