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
import { registerSchema } from './dto/credentials.schema.js';
import { parseForm, sameSite } from './dto/parse-form.js';
import { FormRefusedException, type FormPage } from './form-refusal.js';
import { Public } from './public.decorator.js';

const REGISTER_PAGE: FormPage = { view: 'register', title: 'Create an account' };

/** The registration page (mounted at `routes.register`): creates the account and signs in. */
@Public()
@Controller()
export class RegistrationController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
    @Inject(AUTH_ROUTES) private readonly routes: AuthRoutes,
  ) {}

  @Get()
  @Render(REGISTER_PAGE.view)
  show(@Query('next') next: unknown) {
    return { title: REGISTER_PAGE.title, next: sameSite(next) };
  }

  /** 409 for a taken name, 429 or 503 when limited: the form again. */
  @Post()
  async register(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { name, password, next } = parseForm(registerSchema, body, REGISTER_PAGE);
    try {
      const user = await this.auth.register(name, password, clientOf(req, res));
      await this.sessions.establish(req, { user }, { remember: false, owner: user.id });
      logAuthEvent('registered', user.id);
    } catch (error) {
      throw FormRefusedException.from(error, REGISTER_PAGE, { name, next });
    }
    res.redirect(HttpStatus.SEE_OTHER, next ?? this.routes.home);
  }
}
