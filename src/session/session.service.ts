import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { SessionData } from 'express-session';
import { RESOLVED_SESSION_OPTIONS } from './session.constants.js';
import type { ResolvedSessionOptions } from './session-options.interface.js';
import { SessionStoreUnavailableException } from './session-store-unavailable.exception.js';
import { destroySession, regenerateSession, saveSession } from './session.utils.js';

/** Session keys owned by this module; everything else belongs to the app. */
const LIFECYCLE_KEYS = new Set(['cookie', 'rev', 'createdAt', 'lastSeen']);

export interface EstablishOptions {
  /** A persistent cookie (remember me) instead of a browser-session cookie. */
  remember: boolean;
}

/**
 * Starts and ends sessions. Each call resolves only once the store has the result, so the
 * response that follows (the 303 after sign-in) is never ahead of the store.
 */
@Injectable()
export class SessionService {
  constructor(@Inject(RESOLVED_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions) {}

  /**
   * Issues a new session id (no fixation), carries over the app's data (such as a theme), sets
   * `values`, and saves.
   * @example await sessions.establish(req, { user: { id, name } }, { remember: true });
   */
  async establish(
    req: Request,
    values: Partial<SessionData>,
    { remember }: EstablishOptions,
  ): Promise<void> {
    const carried = Object.entries(req.session).filter(([key]) => !LIFECYCLE_KEYS.has(key));
    await this.storeCall(() => regenerateSession(req));
    const now = Date.now();
    Object.assign(req.session, Object.fromEntries(carried), values, {
      createdAt: now,
      lastSeen: now,
    });
    // The regenerated cookie is a browser-session cookie unless given a lifetime.
    if (remember) req.session.cookie.maxAge = this.options.rememberMaxAge * 1000;
    await this.storeCall(() => saveSession(req));
  }

  /**
   * Deletes the session from the store and expires the cookie in the browser.
   * @example await sessions.end(req, res);
   */
  async end(req: Request, res: Response): Promise<void> {
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

  private secure(req: Request): boolean {
    return this.options.secureCookies && req.secure;
  }

  private async storeCall(operation: () => Promise<void>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      throw new SessionStoreUnavailableException(error);
    }
  }
}
