import {
  Controller,
  Get,
  HttpStatus,
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

/** "Your sessions": where the signed-in user is signed in, and ending those sessions. */
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionService) {}

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
  @Redirect('/sessions?revoked=others', HttpStatus.SEE_OTHER)
  async revokeOthers(@Req() req: Request, @CurrentUser('id') user: string): Promise<void> {
    const ended = await this.sessions.revokeOthers(req);
    logAuthEvent('sessions-revoked', user, { endedSessions: ended });
  }

  /** Another owner's handle, an unknown one and the current session all look the same: 404. */
  @Post(':handle/revoke')
  @Redirect('/sessions?revoked=1', HttpStatus.SEE_OTHER)
  async revoke(
    @Req() req: Request,
    @Param('handle') handle: string,
    @CurrentUser('id') user: string,
  ): Promise<void> {
    if (!(await this.sessions.revoke(req, handle))) throw new NotFoundException('No such session.');
    logAuthEvent('session-revoked', user);
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
