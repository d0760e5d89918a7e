import { SetMetadata } from '@nestjs/common';

/**
 * Metadata key set by `@Public()`.
 * @example reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [handler, controller])
 */
export const IS_PUBLIC_KEY = 'auth:isPublic';

/**
 * Opens a handler, or every handler of a controller, to signed-out visitors; `SessionGuard`
 * denies everything else by default.
 * @example @Public() @Get('login') showLogin() {}
 */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
