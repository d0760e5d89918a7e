import { Logger } from '@nestjs/common';

/** What `logAuthEvent` records. */
export type AuthEvent =
  | 'registered'
  | 'register-failed'
  | 'sign-in'
  | 'sign-in-failed'
  | 'sign-out'
  | 'session-revoked'
  | 'sessions-revoked'
  | 'password-changed'
  | 'password-change-failed';

const logger = new Logger('Auth');

/**
 * Logs an authentication event at `info` with the user's id: never a name (a password is
 * sometimes typed into the name field), a password, a token or a session id.
 * @example logAuthEvent('sign-in', user.id, { remember: true });
 */
export function logAuthEvent(
  event: AuthEvent,
  user: string | undefined,
  details: Record<string, string | number | boolean> = {},
): void {
  logger.log({ event, user, ...details });
}
