import { Body, Controller, Get, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { clientOf } from './client.js';
import { CredentialFormController } from './credential-form.js';
import { loginSchema } from './dto/credentials.schema.js';
import { parseForm } from './dto/parse-form.js';
import type { FormPage } from './form-refusal.js';
import { Public } from './public.decorator.js';

const LOGIN_PAGE: FormPage = { view: 'login', title: 'Sign in' };

/** The sign-in page (mounted at `routes.login`). */
@Public()
@Controller()
export class LoginController extends CredentialFormController {
  protected readonly page = LOGIN_PAGE;

  @Get()
  @Render(LOGIN_PAGE.view)
  show(@Query('next') next: unknown) {
    return this.form(next);
  }

  @Post()
  async signIn(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { name, password, remember, next } = parseForm(loginSchema, body, LOGIN_PAGE);
    await this.enter(
      req,
      res,
      { name, remember, next },
      () => this.auth.signIn(name, password, clientOf(req, res)),
      'sign-in',
    );
  }
}
