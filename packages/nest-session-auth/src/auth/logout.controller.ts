import {
  Controller,
  Get,
  HttpStatus,
  Inject,
  Post,
  Redirect,
  Render,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { SessionService } from '../session/index.js';
import { logAuthEvent } from './auth-events.js';
import { AUTH_ROUTES, type AuthRoutes } from './auth.constants.js';
import { Public } from './public.decorator.js';

/** Sign-out (mounted at `routes.logout`). */
@Public()
@Controller()
export class LogoutController {
  constructor(
    private readonly sessions: SessionService,
    @Inject(AUTH_ROUTES) private readonly routes: AuthRoutes,
  ) {}

  /** Signing out changes state, so it takes a POST; this page only asks. */
  @Get()
  @Render('logout')
  confirm() {
    return { title: 'Sign out' };
  }

  /** Destroys the session in the store and clears the cookie. */
  @Post()
  @Redirect(undefined, HttpStatus.SEE_OTHER)
  async signOut(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const user = req.session.user?.id;
    await this.sessions.end(req, res);
    if (user !== undefined) logAuthEvent('sign-out', user);
    return { url: this.routes.login };
  }
}
