import {
  Catch,
  UnauthorizedException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { wantsJson } from './wants-json.js';

/**
 * A guard cannot redirect, so a denied request arrives here: browsers go to the sign-in page
 * (coming back afterwards), API callers get 401 JSON.
 */
@Catch(UnauthorizedException)
export class AuthFailureFilter implements ExceptionFilter {
  catch(exception: UnauthorizedException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (wantsJson(req)) {
      res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: exception.message });
      return;
    }
    const comeBack = req.method === 'GET' && req.originalUrl !== '/';
    res.redirect(303, comeBack ? `/login?next=${encodeURIComponent(req.originalUrl)}` : '/login');
  }
}
