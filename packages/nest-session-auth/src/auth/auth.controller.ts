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
import {
  fieldErrors,
  isSameSitePath,
  loginSchema,
  registerSchema,
  type FieldErrors,
} from './dto/credentials.schema.js';
import { Public } from './public.decorator.js';
import { formRefusal } from './form-refusal.js';
import { wantsJson } from './wants-json.js';

type FormView = 'login' | 'register';

interface FormState {
  name?: string;
  remember?: boolean;
  next?: string;
  errors?: FieldErrors;
  message?: string;
}

/** Sign-in, registration and sign-out pages. */
@Public()
@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
  ) {}

  @Get('login')
  showLogin(@Query('next') next: unknown, @Res() res: Response): void {
    this.renderForm(res, 'login', HttpStatus.OK, { next: sameSite(next) });
  }

  @Post('login')
  async login(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const form = loginSchema.safeParse(body);
    if (!form.success) return this.rejectForm(req, res, 'login', body, fieldErrors(form.error));
    const { name, password, remember, next } = form.data;
    try {
      const user = await this.auth.signIn(name, password, clientOf(req, res));
      await this.sessions.establish(req, { user }, { remember, owner: user.id });
      logAuthEvent('sign-in', user.id, { remember });
      res.redirect(HttpStatus.SEE_OTHER, next ?? '/');
    } catch (error) {
      this.renderFailure(req, res, 'login', error, { name, remember, next });
    }
  }

  @Get('register')
  showRegister(@Query('next') next: unknown, @Res() res: Response): void {
    this.renderForm(res, 'register', HttpStatus.OK, { next: sameSite(next) });
  }

  @Post('register')
  async register(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const form = registerSchema.safeParse(body);
    if (!form.success) return this.rejectForm(req, res, 'register', body, fieldErrors(form.error));
    const { name, password, next } = form.data;
    try {
      const user = await this.auth.register(name, password, clientOf(req, res));
      await this.sessions.establish(req, { user }, { remember: false, owner: user.id });
      logAuthEvent('registered', user.id);
      res.redirect(HttpStatus.SEE_OTHER, next ?? '/');
    } catch (error) {
      this.renderFailure(req, res, 'register', error, { name, next });
    }
  }

  /** Signing out changes state, so it takes a POST; this page only asks. */
  @Get('logout')
  confirmLogout(@Res() res: Response): void {
    res.render('logout', { title: 'Sign out' });
  }

  @Post('logout')
  async logout(@Req() req: Request, @Res() res: Response): Promise<void> {
    const user = req.session.user?.id;
    await this.sessions.end(req, res);
    if (user !== undefined) logAuthEvent('sign-out', user);
    res.redirect(HttpStatus.SEE_OTHER, '/login');
  }

  private rejectForm(
    req: Request,
    res: Response,
    view: FormView,
    body: unknown,
    errors: FieldErrors,
  ): void {
    if (wantsJson(req)) throw new BadRequestException(Object.values(errors).join(' '));
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    this.renderForm(res, view, HttpStatus.BAD_REQUEST, {
      name: typeof fields.name === 'string' ? fields.name : undefined,
      remember: fields.remember !== undefined,
      next: sameSite(fields.next),
      errors,
      message: 'Please correct the fields marked below.',
    });
  }

  /** Expected refusals (401, 409, 429) show the form again; anything else is a real error. */
  private renderFailure(
    req: Request,
    res: Response,
    view: FormView,
    error: unknown,
    state: FormState,
  ): void {
    const refusal = formRefusal(req, res, error);
    this.renderForm(res, view, refusal.getStatus(), { ...state, message: refusal.message });
  }

  private renderForm(res: Response, view: FormView, status: number, state: FormState): void {
    res
      .status(status)
      .render(view, { title: view === 'login' ? 'Sign in' : 'Create an account', ...state });
  }
}

function sameSite(next: unknown): string | undefined {
  return typeof next === 'string' && isSameSitePath(next) ? next : undefined;
}
