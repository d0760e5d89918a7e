import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { SESSION_STORE, type ManagedSessionStore } from '../session/index.js';
import { accountNameKey } from './account-name.js';
import { AUTH_LIMITS_OPTIONS } from './auth.constants.js';

/** Failed checks allowed for one name from one address within the window. */
export const MAX_FAILURES = 5;
const FAILURE_WINDOW_SECONDS = 15 * 60;
/** A check still running after this is no longer counted as in flight. */
const IN_FLIGHT_SECONDS = 60;

/** How many credential checks one client address may make. */
export interface AuthLimitsOptions {
  /** Credential checks (sign-in, registration, password change) per address per minute. */
  attemptsPerMinute: number;
}

/** Refused by a limit: 429 with `Retry-After`. */
export class TooManyAttemptsException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/**
 * A check of an account's password under way. Its point was taken before the password was
 * looked at, so a burst of simultaneous guesses gets at most `MAX_FAILURES` verdicts.
 */
export interface Attempt {
  /** Right password: refunds the point, and clears the window's failures unless another check of this name and address is still running (it may yet fail). */
  succeeded(): Promise<void>;
  /** Wrong password: the point stays taken. */
  failed(): Promise<void>;
  /** No verdict (busy, client gone, store failure): the point is refunded. */
  abandoned(): Promise<void>;
}

const ADDRESS_LIMIT = 'Too many attempts from your network. Wait a minute and try again.';
const NAME_LIMIT = 'Too many failed attempts for this name. Wait a few minutes and try again.';

/**
 * The sign-in limits of SPEC "Abuse resistance", counted in the session store so every
 * instance shares them and a restart forgets nothing: per address, `attemptsPerMinute`
 * credential checks; per (name, address), `MAX_FAILURES` failures in 15 minutes, after which
 * even the right password is refused until the window ends.
 */
@Injectable()
export class AuthLimits {
  private static readonly logger = new Logger('AuthLimits');
  private readonly perAddress: RateLimiterAbstract;
  private readonly failures: RateLimiterAbstract;
  private readonly inFlight: RateLimiterAbstract;

  constructor(
    @Inject(SESSION_STORE) store: ManagedSessionStore,
    @Inject(AUTH_LIMITS_OPTIONS) { attemptsPerMinute }: AuthLimitsOptions,
  ) {
    this.perAddress = store.attemptCounter({
      name: 'auth-address:',
      points: attemptsPerMinute,
      duration: 60,
    });
    this.failures = store.attemptCounter({
      name: 'auth-failures:',
      points: MAX_FAILURES,
      duration: FAILURE_WINDOW_SECONDS,
    });
    this.inFlight = store.attemptCounter({
      name: 'auth-in-flight:',
      points: Number.MAX_SAFE_INTEGER,
      duration: IN_FLIGHT_SECONDS,
    });
  }

  /**
   * Counts a credential check from `ip` before any password is hashed. Throws
   * `TooManyAttemptsException` past the limit, or a 503 when the counts cannot be reached.
   * @example await limits.checkAddress(client.ip); // before hashing a new account's password
   */
  async checkAddress(ip: string): Promise<void> {
    await take(this.perAddress, ip, ADDRESS_LIMIT);
  }

  /**
   * Counts a check of `name`'s password from `ip` (after `checkAddress`); report its end on
   * the returned `Attempt`.
   */
  async begin(name: string, ip: string): Promise<Attempt> {
    const key = `${accountNameKey(name)}\u0000${ip}`;
    await take(this.failures, key, NAME_LIMIT);
    await take(this.inFlight, key, NAME_LIMIT);
    return {
      failed: async () => {
        await this.settle(this.inFlight, key);
      },
      abandoned: async () => {
        await this.settle(this.inFlight, key);
        await this.settle(this.failures, key);
      },
      succeeded: async () => {
        const stillRunning = await this.settle(this.inFlight, key);
        if (stillRunning) await this.settle(this.failures, key);
        else await this.failures.delete(key).catch((error: unknown) => this.warn(error));
      },
    };
  }

  /**
   * Gives a point back; resolves to whether any remain taken. A refund that fails leaves the
   * count too high, never too low, so it is logged rather than turned into an error.
   */
  private async settle(limiter: RateLimiterAbstract, key: string): Promise<boolean> {
    try {
      const { consumedPoints } = await limiter.reward(key);
      // The window ended meanwhile: a negative count would grant extra attempts.
      if (consumedPoints < 0) await limiter.delete(key);
      return consumedPoints > 0;
    } catch (error) {
      this.warn(error);
      return true;
    }
  }

  private warn(error: unknown): void {
    AuthLimits.logger.warn(`could not update an attempt count: ${String(error)}`);
  }
}

/** Takes one point; a limiter's refusal is a 429, its failure a 503. */
async function take(limiter: RateLimiterAbstract, key: string, refusal: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      throw new TooManyAttemptsException(
        refusal,
        Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
      );
    }
    throw new ServiceUnavailableException(
      'Sign-in is unavailable for a moment. Please try again shortly.',
      { cause: error },
    );
  }
}
