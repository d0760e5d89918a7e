import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpStatus,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { SessionService } from '../session/index.js';
import { logAuthEvent } from './auth-events.js';
import { AuthService } from './auth.service.js';
import { clientOf } from './client.js';
import type { SessionUser } from './auth.types.js';
import { CurrentUser } from './current-user.decorator.js';
import { fieldErrors, type FieldErrors } from './dto/credentials.schema.js';
import { passwordChangeSchema } from './dto/password-change.schema.js';
import { formRefusal } from './form-refusal.js';
import { wantsJson } from './wants-json.js';

interface AccountState {
  changed?: boolean;
  errors?: FieldErrors;
  message?: string;
}

/** The signed-in user's account page: changing the password. */
@Controller('account')
export class AccountController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
  ) {}

  @Get()
  show(@Query('changed') changed: unknown, @Res() res: Response): void {
    this.render(res, HttpStatus.OK, { changed: changed === '1' });
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
    const form = passwordChangeSchema.safeParse(body);
    if (!form.success) {
      if (wantsJson(req))
        throw new BadRequestException(Object.values(fieldErrors(form.error)).join(' '));
      return this.render(res, HttpStatus.BAD_REQUEST, {
        errors: fieldErrors(form.error),
        message: 'Please correct the fields marked below.',
      });
    }
    const { current_password: current, new_password: next } = form.data;
    try {
      await this.auth.changePassword(user, current, next, clientOf(req, res));
    } catch (error) {
      return this.renderFailure(req, res, error);
    }
    const ended = await this.sessions.revokeOthers(req);
    await this.sessions.renew(req);
    logAuthEvent('password-changed', user.id, { endedSessions: ended });
    res.redirect(HttpStatus.SEE_OTHER, '/account?changed=1');
  }

  /** Expected refusals (401, 429) show the form again; anything else is a real error. */
  private renderFailure(req: Request, res: Response, error: unknown): void {
    const refusal = formRefusal(req, res, error);
    this.render(res, refusal.getStatus(), { message: refusal.message });
  }

  private render(res: Response, status: number, state: AccountState): void {
    res.status(status).render('account', { title: 'Your account', ...state });
  }
}
