import { HttpException, HttpStatus, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { logAuthEvent } from './auth-events.js';
import type { SessionUser } from './auth.types.js';
import { LoginThrottle } from './login-throttle.js';
import { PasswordHasher } from './password-hasher.js';
import { NameTakenError, UserStore } from './user-store.js';

/** Wrong name or password. Not an UnauthorizedException: the form is shown again, no redirect. */
export class InvalidCredentialsException extends HttpException {
  constructor() {
    super('Wrong name or password.', HttpStatus.UNAUTHORIZED);
  }
}

export class NameTakenException extends HttpException {
  constructor() {
    super('That name is taken. Choose another.', HttpStatus.CONFLICT);
  }
}

/** The current password given to change it is wrong. A 401 that shows the form again. */
export class WrongCurrentPasswordException extends HttpException {
  constructor() {
    super('Your current password is wrong.', HttpStatus.UNAUTHORIZED);
  }
}

/**
 * Checks credentials (throttled) and creates accounts; used by AuthController, reusable elsewhere.
 * @example const user = await auth.signIn(name, password, req.ip ?? '');
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UserStore,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
  ) {}

  /**
   * The user whose name and password these are. Throws `InvalidCredentialsException`, or
   * `TooManyAttemptsException` after repeated failures for this name from this address.
   */
  async signIn(name: string, password: string, ip: string): Promise<SessionUser> {
    await this.assertAllowed(name, ip, 'sign-in-failed');
    const account = await this.accounts(() => this.users.findByName(name));
    // Verified even for unknown names (against a decoy), so timing does not reveal which exist.
    if (!(await this.hasher.verify(password, account?.passwordHash)) || !account) {
      await this.throttle.recordFailure(name, ip);
      logAuthEvent('sign-in-failed', account?.id, {
        reason: account ? 'wrong-password' : 'unknown-name',
      });
      throw new InvalidCredentialsException();
    }
    await this.throttle.recordSuccess(name, ip);
    return { id: account.id, name: account.name };
  }

  /** Creates the account. Throws `NameTakenException` when the name is in use. */
  async register(name: string, password: string): Promise<SessionUser> {
    const passwordHash = await this.hasher.hash(password);
    try {
      const account = await this.accounts(() => this.users.create(name, passwordHash));
      return { id: account.id, name: account.name };
    } catch (error) {
      if (error instanceof NameTakenError) throw new NameTakenException();
      throw error;
    }
  }

  /**
   * Replaces the signed-in user's password after checking the current one (throttled like
   * sign-in, for this name from this address). Throws `WrongCurrentPasswordException` or
   * `TooManyAttemptsException`. Ending the user's other sessions is the caller's next step.
   * @example await auth.changePassword(user, current, next, req.ip ?? '');
   */
  async changePassword(
    user: SessionUser,
    currentPassword: string,
    newPassword: string,
    ip: string,
  ): Promise<void> {
    await this.assertAllowed(user.name, ip, 'password-change-failed', user.id);
    const account = await this.accounts(() => this.users.findByName(user.name));
    const owned = account?.id === user.id ? account : undefined;
    if (!(await this.hasher.verify(currentPassword, owned?.passwordHash))) {
      await this.throttle.recordFailure(user.name, ip);
      logAuthEvent('password-change-failed', user.id, { reason: 'wrong-password' });
      throw new WrongCurrentPasswordException();
    }
    await this.throttle.recordSuccess(user.name, ip);
    const passwordHash = await this.hasher.hash(newPassword);
    await this.accounts(() => this.users.updatePasswordHash(user.id, passwordHash));
  }

  /** The throttle's refusal, logged as a failure of what was tried. */
  private async assertAllowed(
    name: string,
    ip: string,
    event: 'sign-in-failed' | 'password-change-failed',
    user?: string,
  ): Promise<void> {
    try {
      await this.throttle.assertAllowed(name, ip);
    } catch (error) {
      logAuthEvent(event, user, { reason: 'throttled' });
      throw error;
    }
  }

  /** A failing accounts database is a 503, distinct from wrong input. */
  private async accounts<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof NameTakenError) throw error;
      throw new ServiceUnavailableException(
        'Accounts are unavailable for a moment. Please try again shortly.',
        {
          cause: error,
        },
      );
    }
  }
}
