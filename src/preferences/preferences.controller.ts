import { BadRequestException, Body, Controller, HttpStatus, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isSameSitePath, Public, SessionService } from 'nest-session-auth';
import { preferencesSchema } from './dto/preferences.schema.js';

/** Preferences anyone may set, signed in or not. */
@Public()
@Controller('preferences')
export class PreferencesController {
  constructor(private readonly sessions: SessionService) {}

  @Post()
  async update(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const form = preferencesSchema.safeParse(body);
    if (!form.success) throw new BadRequestException(form.error.issues[0].message);
    await this.sessions.setVisitorValue(req, res, 'theme', form.data.theme);
    res.redirect(HttpStatus.SEE_OTHER, form.data.next ?? refererPath(req) ?? '/');
  }
}

/** The page the form was on, when the browser says and it is on this site. */
function refererPath(req: Request): string | undefined {
  const referer = req.get('referer');
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    const path = `${url.pathname}${url.search}`;
    return url.host === req.get('host') && isSameSitePath(path) ? path : undefined;
  } catch {
    return undefined;
  }
}
