import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { RateLimiterMemory } from 'rate-limiter-flexible';

/** Failed sign-ins allowed for one name from one address within the window. */
const MAX_FAILURES = 5;
const WINDOW_SECONDS = 15 * 60;

export class TooManyAttemptsException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'Too many failed attempts for this name. Wait a few minutes and try again.',
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Counts failed sign-ins per (name, address) and refuses further tries once the limit is
 * reached, so one attacker cannot guess a password and cannot lock the owner out from elsewhere.
 */
@Injectable()
export class LoginThrottle {
  private readonly failures = new RateLimiterMemory({
    points: MAX_FAILURES,
    duration: WINDOW_SECONDS,
  });

  /** Throws `TooManyAttemptsException` when this name and address are locked out. */
  async assertAllowed(name: string, ip: string): Promise<void> {
    const state = await this.failures.get(key(name, ip));
    if (state && state.consumedPoints >= MAX_FAILURES) {
      throw new TooManyAttemptsException(Math.ceil(state.msBeforeNext / 1000));
    }
  }

  async recordFailure(name: string, ip: string): Promise<void> {
    await this.failures.penalty(key(name, ip));
  }

  async recordSuccess(name: string, ip: string): Promise<void> {
    await this.failures.delete(key(name, ip));
  }
}

const key = (name: string, ip: string) => `${name.toLowerCase()}\u0000${ip}`;
