import {
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { IS_PUBLIC_KEY } from './public.decorator.js';

/** Thrown by `SessionGuard` for a signed-out request to a guarded route (401). */
export class SignInRequiredException extends UnauthorizedException {
  constructor() {
    super('Sign in to continue.');
  }
}

/**
 * Registered for every route by AuthModule (unless `globalGuard: false`; then put it on
 * controllers with `@UseGuards(SessionGuard)`): a route needs a signed-in session unless marked
 * `@Public()`. Sets `req.user` (and `user` for views) whenever there is one.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const user = req.session?.user;
    if (user) {
      req.user = user;
      http.getResponse<Response>().locals.user = user;
      return true;
    }
    if (
      this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
        context.getHandler(),
        context.getClass(),
      ])
    ) {
      return true;
    }
    throw new SignInRequiredException();
  }
}
