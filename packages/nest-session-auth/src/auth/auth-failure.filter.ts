import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { wantsJson } from '../common/wants-json.js';
import { AUTH_ROUTES, type AuthRoutes } from './auth.constants.js';
import { SignInRequiredException } from './session.guard.js';

/**
 * A guard cannot redirect, so a request `SessionGuard` denied arrives here: browsers go to the
 * sign-in page (coming back afterwards), API callers get 401 JSON. Only the guard's own
 * exception: the app's other 401s are left to the app.
 */
@Catch(SignInRequiredException)
export class AuthFailureFilter implements ExceptionFilter {
  constructor(@Inject(AUTH_ROUTES) private readonly routes: AuthRoutes) {}

  catch(exception: SignInRequiredException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (wantsJson(req)) {
      res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: exception.message });
      return;
    }
    const login = this.routes.login;
    const comeBack = req.method === 'GET' && req.originalUrl !== this.routes.home;
    res.redirect(303, comeBack ? `${login}?next=${encodeURIComponent(req.originalUrl)}` : login);
  }
}
