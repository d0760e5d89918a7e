import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Optional,
  ServiceUnavailableException,
} from '@nestjs/common';
import { logAuthEvent } from './auth-events.js';
import {
  AUTH_OBSERVER,
  type AuthObserver,
  type CredentialCheckKind,
  type CredentialCheckOutcome,
} from './auth-observer.js';
import type { SessionUser } from './auth.types.js';
import { AuthLimits, TooManyAttemptsException } from './auth-limits.js';
import type { Client } from './client.js';
import { HashingBusyException, PasswordHasher } from './password-hasher.js';
import { NameTakenError, UserStore, type UserAccount } from './user-store.js';

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
 * Checks credentials (rate-limited, see `AuthLimits`) and creates accounts; used by
 * AuthController and AccountController, reusable elsewhere.
 * @example const user = await auth.signIn(name, password, clientOf(req, res));
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UserStore,
    private readonly hasher: PasswordHasher,
    private readonly limits: AuthLimits,
    @Optional() @Inject(AUTH_OBSERVER) private readonly observer?: AuthObserver,
  ) {}

  /**
   * The user whose name and password these are. Throws `InvalidCredentialsException`,
   * `TooManyAttemptsException` past a limit, or `HashingBusyException` when too many
   * checks wait already.
   */
  async signIn(name: string, password: string, client: Client): Promise<SessionUser> {
    return this.observed('sign_in', async () => {
      const account = await this.checkPassword(name, password, client, 'sign-in-failed');
      if (!account) throw new InvalidCredentialsException();
      return { id: account.id, name: account.name };
    });
  }

  /** Creates the account. Throws `NameTakenException` when the name is in use. */
  async register(name: string, password: string, client: Client): Promise<SessionUser> {
    return this.observed('register', () => this.createAccount(name, password, client));
  }

  private async createAccount(
    name: string,
    password: string,
    client: Client,
  ): Promise<SessionUser> {
    this.hasher.assertNotBusy(client);
    await this.refusalLogged(this.limits.checkAddress(client.ip), 'register-failed');
    const passwordHash = await this.hasher.hash(password, client);
    try {
      const account = await this.accounts(() => this.users.create(name, passwordHash));
      return { id: account.id, name: account.name };
    } catch (error) {
      if (error instanceof NameTakenError) throw new NameTakenException();
      throw error;
    }
  }

  /**
   * Replaces the signed-in user's password after checking the current one (limited like
   * sign-in, for this name from this address). Throws `WrongCurrentPasswordException` or
   * `TooManyAttemptsException`. Ending the user's other sessions is the caller's next step.
   * @example await auth.changePassword(user, current, next, clientOf(req, res));
   */
  async changePassword(
    user: SessionUser,
    currentPassword: string,
    newPassword: string,
    client: Client,
  ): Promise<void> {
    return this.observed('password_change', () =>
      this.replacePassword(user, currentPassword, newPassword, client),
    );
  }

  private async replacePassword(
    user: SessionUser,
    currentPassword: string,
    newPassword: string,
    client: Client,
  ): Promise<void> {
    const checked = this.checkPassword(
      user.name,
      currentPassword,
      client,
      'password-change-failed',
      user.id,
    );
    if (!(await checked)) throw new WrongCurrentPasswordException();
    const passwordHash = await this.hasher.hash(newPassword, client);
    await this.accounts(() => this.users.updatePasswordHash(user.id, passwordHash));
  }

  /**
   * The account, if `password` is its password (and, given `userId`, the account is that
   * user's); undefined otherwise. The attempt is counted before the password is hashed.
   * Unknown names are verified against a decoy, so timing does not reveal which exist.
   */
  private async checkPassword(
    name: string,
    password: string,
    client: Client,
    failure: 'sign-in-failed' | 'password-change-failed',
    userId?: string,
  ): Promise<UserAccount | undefined> {
    this.hasher.assertNotBusy(client);
    await this.refusalLogged(this.limits.checkAddress(client.ip), failure, userId);
    const attempt = await this.refusalLogged(this.limits.begin(name, client.ip), failure, userId);
    let account: UserAccount | undefined;
    let verified: boolean;
    try {
      const found = await this.accounts(() => this.users.findByName(name));
      account = userId === undefined || found?.id === userId ? found : undefined;
      verified = await this.hasher.verify(password, account?.passwordHash, client);
    } catch (error) {
      await attempt.abandoned();
      throw error;
    }
    if (verified && account) {
      await attempt.succeeded();
      return account;
    }
    await attempt.failed();
    logAuthEvent(failure, userId ?? account?.id, {
      reason: account ? 'wrong-password' : 'unknown-name',
    });
    return undefined;
  }

  /** Runs a credential check and tells the observer, if any, how it ended. */
  private async observed<T>(kind: CredentialCheckKind, check: () => Promise<T>): Promise<T> {
    if (!this.observer) return check();
    try {
      const result = await check();
      this.observer.credentialChecked(kind, 'success');
      return result;
    } catch (error) {
      const outcome = outcomeOf(error);
      if (outcome) this.observer.credentialChecked(kind, outcome);
      throw error;
    }
  }

  /** A limit's refusal, logged as a failure of what was tried. */
  private async refusalLogged<T>(check: Promise<T>, event: AuthFailure, user?: string): Promise<T> {
    try {
      return await check;
    } catch (error) {
      const reason = error instanceof TooManyAttemptsException ? 'throttled' : 'unavailable';
      logAuthEvent(event, user, { reason });
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

/** The verdict an error stands for; undefined for errors that are none (store down, client gone). */
function outcomeOf(error: unknown): CredentialCheckOutcome | undefined {
  if (error instanceof TooManyAttemptsException) return 'throttled';
  if (error instanceof HashingBusyException) return 'busy';
  if (
    error instanceof InvalidCredentialsException ||
    error instanceof WrongCurrentPasswordException ||
    error instanceof NameTakenException
  )
    return 'failure';
  return undefined;
}

type AuthFailure = 'sign-in-failed' | 'password-change-failed' | 'register-failed';
