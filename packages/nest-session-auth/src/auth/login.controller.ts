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
import { clientOf } from './client.js';
import { loginSchema } from './dto/credentials.schema.js';
import { parseForm, sameSite } from './dto/parse-form.js';
import { FormRefusedException, type FormPage } from './form-refusal.js';
import { Public } from './public.decorator.js';

const LOGIN_PAGE: FormPage = { view: 'login', title: 'Sign in' };

/** The sign-in page (mounted at `routes.login`). */
@Public()
@Controller()
export class LoginController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
    @Inject(AUTH_ROUTES) private readonly routes: AuthRoutes,
  ) {}

  @Get()
  @Render(LOGIN_PAGE.view)
  show(@Query('next') next: unknown) {
    return { title: LOGIN_PAGE.title, next: sameSite(next) };
  }

  /** A new session id on success (no session fixation); 401, 429 or 503 show the form again. */
  @Post()
  async signIn(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { name, password, remember, next } = parseForm(loginSchema, body, LOGIN_PAGE);
    try {
      const user = await this.auth.signIn(name, password, clientOf(req, res));
      await this.sessions.establish(req, { user }, { remember, owner: user.id });
      logAuthEvent('sign-in', user.id, { remember });
    } catch (error) {
      throw FormRefusedException.from(error, LOGIN_PAGE, { name, remember, next });
    }
    res.redirect(HttpStatus.SEE_OTHER, next ?? this.routes.home);
  }
}
