import {
  Controller,
  Get,
  HttpStatus,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Redirect,
  Render,
  Req,
} from '@nestjs/common';
import type { Request } from 'express';
import { SessionService, type ListedSession } from '../session/index.js';
import { logAuthEvent } from './auth-events.js';
import { AUTH_ROUTES, type AuthRoutes } from './auth.constants.js';
import { CurrentUser } from './current-user.decorator.js';
import { describeDevice } from './describe-device.js';
import { readableTime, type ReadableTime } from './readable-time.js';

/** One row of the sessions page; the handle is opaque and safe to show, the id never is. */
interface SessionView {
  handle: string;
  device: string;
  ip: string;
  created?: ReadableTime;
  lastSeen?: ReadableTime;
  current: boolean;
}

/** Confirmations shown after a redirect, by the value of `?revoked=`. */
const CONFIRMATIONS = new Map([
  ['1', 'Session ended.'],
  ['others', 'Your other sessions were ended.'],
]);

/** "Your sessions" (mounted at `routes.sessions`): where the signed-in user is signed in, and ending those sessions. */
@Controller()
export class SessionsController {
  constructor(
    private readonly sessions: SessionService,
    @Inject(AUTH_ROUTES) private readonly routes: AuthRoutes,
  ) {}

  @Get()
  @Render('sessions')
  async list(@Req() req: Request, @Query('revoked') revoked: unknown) {
    // This device first; the others as the store orders them (most recently seen first).
    const sessions = (await this.sessions.list(req))
      .toSorted((a, b) => Number(b.current) - Number(a.current))
      .map(toView);
    return {
      title: 'Your sessions',
      sessions,
      hasOthers: sessions.some((listed) => !listed.current),
      confirmation: typeof revoked === 'string' ? CONFIRMATIONS.get(revoked) : undefined,
    };
  }

  @Post('revoke-others')
  @Redirect(undefined, HttpStatus.SEE_OTHER)
  async revokeOthers(@Req() req: Request, @CurrentUser('id') user: string) {
    const ended = await this.sessions.revokeOthers(req);
    logAuthEvent('sessions-revoked', user, { endedSessions: ended });
    return { url: `${this.routes.sessions}?revoked=others` };
  }

  /** Another owner's handle, an unknown one and the current session all look the same: 404. */
  @Post(':handle/revoke')
  @Redirect(undefined, HttpStatus.SEE_OTHER)
  async revoke(
    @Req() req: Request,
    @Param('handle') handle: string,
    @CurrentUser('id') user: string,
  ) {
    if (!(await this.sessions.revoke(req, handle))) throw new NotFoundException('No such session.');
    logAuthEvent('session-revoked', user);
    return { url: `${this.routes.sessions}?revoked=1` };
  }
}

function toView(listed: ListedSession): SessionView {
  return {
    handle: listed.handle,
    device: describeDevice(listed.userAgent),
    ip: listed.ip,
    created: readableTime(listed.createdAt),
    lastSeen: readableTime(listed.lastSeen),
    current: listed.current,
  };
}
