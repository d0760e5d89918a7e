import { Body, Controller, Get, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { clientOf } from './client.js';
import { CredentialFormController } from './credential-form.js';
import { registerSchema } from './dto/credentials.schema.js';
import { parseForm } from './dto/parse-form.js';
import type { FormPage } from './form-refusal.js';
import { Public } from './public.decorator.js';

const REGISTER_PAGE: FormPage = { view: 'register', title: 'Create an account' };

/** The registration page (mounted at `routes.register`): creates the account and signs in. */
@Public()
@Controller()
export class RegistrationController extends CredentialFormController {
  protected readonly page = REGISTER_PAGE;

  @Get()
  @Render(REGISTER_PAGE.view)
  show(@Query('next') next: unknown) {
    return this.form(next);
  }

  @Post()
  async register(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { name, password, next } = parseForm(registerSchema, body, REGISTER_PAGE);
    await this.enter(
      req,
      res,
      { name, next },
      () => this.auth.register(name, password, clientOf(req, res)),
      'registered',
    );
  }
}
