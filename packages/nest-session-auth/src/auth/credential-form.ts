import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SessionService } from '../session/index.js';
import { logAuthEvent, type AuthEvent } from './auth-events.js';
import { AUTH_ROUTES, type AuthRoutes } from './auth.constants.js';
import { AuthService } from './auth.service.js';
import type { SessionUser } from './auth.types.js';
import { sameSite } from './dto/parse-form.js';
import { FormRefusedException, type FormPage } from './form-refusal.js';

/** What a sign-in or registration form keeps when it is shown again (never the password). */
interface CredentialState {
  name: string;
  next?: string;
  remember?: boolean;
}

/** The shared half of the sign-in and registration pages. */
@Injectable()
export abstract class CredentialFormController {
  protected abstract readonly page: FormPage;

  constructor(
    protected readonly auth: AuthService,
    private readonly sessions: SessionService,
    @Inject(AUTH_ROUTES) private readonly routes: AuthRoutes,
  ) {}

  /** The empty form, carrying a same-site `next` along. */
  protected form(next: unknown) {
    return { title: this.page.title, next: sameSite(next) };
  }

  /**
   * Checks the credentials, then starts a new session (a new id: no session fixation) and goes
   * to `next` or home; an expected refusal (401, 409, 429) shows the form again.
   */
  protected async enter(
    req: Request,
    res: Response,
    state: CredentialState,
    check: () => Promise<SessionUser>,
    event: AuthEvent,
  ): Promise<void> {
    const remember = state.remember ?? false;
    try {
      const user = await check();
      await this.sessions.establish(req, { user }, { remember, owner: user.id });
      logAuthEvent(event, user.id, { remember });
    } catch (error) {
      throw FormRefusedException.from(error, this.page, { ...state });
    }
    res.redirect(HttpStatus.SEE_OTHER, state.next ?? this.routes.home);
  }
}
