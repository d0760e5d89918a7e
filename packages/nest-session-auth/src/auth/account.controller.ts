import {
  Body,
  Controller,
  Get,
  HttpStatus,
  Inject,
  Post,
  Query,
  Render,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { SessionService } from '../session/index.js';
import { logAuthEvent } from './auth-events.js';
import { AUTH_ROUTES, type AuthRoutes } from './auth.constants.js';
import { AuthService } from './auth.service.js';
import type { SessionUser } from './auth.types.js';
import { clientOf } from './client.js';
import { CurrentUser } from './current-user.decorator.js';
import { parseForm } from './dto/parse-form.js';
import { passwordChangeSchema } from './dto/password-change.schema.js';
import { FormRefusedException, type FormPage } from './form-refusal.js';

const ACCOUNT_PAGE: FormPage = { view: 'account', title: 'Your account' };

/** The signed-in user's account page (mounted at `routes.account`): changing the password. */
@Controller()
export class AccountController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
    @Inject(AUTH_ROUTES) private readonly routes: AuthRoutes,
  ) {}

  @Get()
  @Render(ACCOUNT_PAGE.view)
  show(@Query('changed') changed: unknown) {
    return { title: ACCOUNT_PAGE.title, changed: changed === '1' };
  }

  /**
   * A new password ends every other session of the user at once; this one stays signed in,
   * under a new id, so an id seen before the change is worth nothing.
   */
  @Post('password')
  async changePassword(
    @Body() body: unknown,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const form = parseForm(passwordChangeSchema, body, ACCOUNT_PAGE);
    try {
      await this.auth.changePassword(
        user,
        form.current_password,
        form.new_password,
        clientOf(req, res),
      );
    } catch (error) {
      throw FormRefusedException.from(error, ACCOUNT_PAGE);
    }
    const ended = await this.sessions.revokeOthers(req);
    await this.sessions.renew(req);
    logAuthEvent('password-changed', user.id, { endedSessions: ended });
    res.redirect(HttpStatus.SEE_OTHER, `${this.routes.account}?changed=1`);
  }
}
