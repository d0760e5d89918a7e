import { ServiceUnavailableException } from '@nestjs/common';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { beforeEach, describe, expect, it } from 'vitest';
import { SESSION_DEFAULTS, SessionLifetime, type ManagedSessionStore } from '../session/index.js';
import { MemorySessionStore } from '../session/stores/memory-session.store.js';
import { AuthLimits, MAX_FAILURES, TooManyAttemptsException } from './auth-limits.js';

const IP = '203.0.113.7';

describe(AuthLimits.name, () => {
  let sut: AuthLimits;

  beforeEach(() => {
    sut = new AuthLimits(new MemorySessionStore(new SessionLifetime(SESSION_DEFAULTS)), {
      attemptsPerMinute: 50,
    });
  });

  /** Starts `count` checks of the name at once, none finished yet. */
  const burst = (count: number, name = 'alice') =>
    Promise.allSettled(Array.from({ length: count }, () => sut.begin(name, IP)));

  it('lets at most MAX_FAILURES checks of one name and address be under way at once', async () => {
    const results = await burst(20);

    const started = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result) => result.status === 'rejected');
    expect(started).toHaveLength(MAX_FAILURES);
    for (const { reason } of refused) expect(reason).toBeInstanceOf(TooManyAttemptsException);
  });

  it('refuses the name from that address once the failures are in, with a Retry-After of minutes', async () => {
    for (let i = 0; i < MAX_FAILURES; i++) await (await sut.begin('alice', IP)).failed();

    const refusal = await sut.begin('alice', IP).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(TooManyAttemptsException);
    expect((refusal as TooManyAttemptsException).retryAfterSeconds).toBeGreaterThan(14 * 60);
    await expect(sut.begin('alice', '198.51.100.1')).resolves.toBeDefined();
    await expect(sut.begin('bob', IP)).resolves.toBeDefined();
  });

  it('counts names after NFKC and case folding', async () => {
    for (let i = 0; i < MAX_FAILURES; i++) await (await sut.begin('straße', IP)).failed();

    await expect(sut.begin('STRASSE', IP)).rejects.toBeInstanceOf(TooManyAttemptsException);
  });

  it('clears the failures on a success when no other check of the name is running', async () => {
    for (let i = 0; i < MAX_FAILURES - 1; i++) await (await sut.begin('alice', IP)).failed();
    await (await sut.begin('alice', IP)).succeeded();

    for (let i = 0; i < MAX_FAILURES; i++) await (await sut.begin('alice', IP)).failed();
    await expect(sut.begin('alice', IP)).rejects.toBeInstanceOf(TooManyAttemptsException);
  });

  it('does not clear the failures on a success while another check of the name may still fail', async () => {
    for (let i = 0; i < MAX_FAILURES - 3; i++) await (await sut.begin('alice', IP)).failed();
    const right = await sut.begin('alice', IP);
    const wrong = await sut.begin('alice', IP);

    await right.succeeded();
    await wrong.failed();

    // Two earlier failures and the one that was running: two more checks are left, not five.
    for (let i = 0; i < 2; i++) await (await sut.begin('alice', IP)).failed();
    await expect(sut.begin('alice', IP)).rejects.toBeInstanceOf(TooManyAttemptsException);
  });

  it('clears refused checks too once the last of a burst of right passwords succeeds', async () => {
    const started = (await burst(8)).flatMap((result) =>
      result.status === 'fulfilled' ? [result.value] : [],
    );
    expect(started).toHaveLength(MAX_FAILURES);

    for (const attempt of started) await attempt.succeeded();

    expect((await burst(MAX_FAILURES)).every((result) => result.status === 'fulfilled')).toBe(true);
  });

  it('gives the point back for a check that ended without a verdict', async () => {
    for (let i = 0; i < MAX_FAILURES; i++) await (await sut.begin('alice', IP)).abandoned();

    await expect(sut.begin('alice', IP)).resolves.toBeDefined();
  });

  it('refuses an address past its checks per minute, whatever the name', async () => {
    const limited = new AuthLimits(new MemorySessionStore(new SessionLifetime(SESSION_DEFAULTS)), {
      attemptsPerMinute: 3,
    });
    for (let i = 0; i < 3; i++) await limited.checkAddress(IP);

    const refusal = await limited.checkAddress(IP).catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(TooManyAttemptsException);
    expect((refusal as TooManyAttemptsException).retryAfterSeconds).toBeLessThanOrEqual(60);
    await expect(limited.checkAddress('198.51.100.1')).resolves.toBeUndefined();
  });

  it('answers 503 when the store holding the counts fails', async () => {
    const failing = new RateLimiterMemory({ points: 1, duration: 1 });
    failing.consume = () => Promise.reject(new Error('SQLITE_IOERR'));
    const store = { attemptCounter: () => failing } as unknown as ManagedSessionStore;
    const broken = new AuthLimits(store, { attemptsPerMinute: 30 });

    await expect(broken.checkAddress(IP)).rejects.toBeInstanceOf(ServiceUnavailableException);
    await expect(broken.begin('alice', IP)).rejects.toBeInstanceOf(ServiceUnavailableException);
  });
});
