import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { SessionUser } from './auth.types.js';

/**
 * Injects the signed-in user (or one of its fields) into a guarded handler.
 * @example @Get('me') me(@CurrentUser() user: SessionUser) {}
 * @example @Get('me') me(@CurrentUser('name') name: string) {}
 */
export const CurrentUser = createParamDecorator(
  (
    field: keyof SessionUser | undefined,
    ctx: ExecutionContext,
  ): SessionUser | string | undefined => {
    const user = ctx.switchToHttp().getRequest<Request>().user;
    return field ? user?.[field] : user;
  },
);
