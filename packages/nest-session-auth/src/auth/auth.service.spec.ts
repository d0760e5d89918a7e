import { HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { SESSION_DEFAULTS, SessionLifetime } from '../session/index.js';
import { MemorySessionStore } from '../session/stores/memory-session.store.js';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AuthService,
  InvalidCredentialsException,
  NameTakenException,
  WrongCurrentPasswordException,
} from './auth.service.js';
import { AuthLimits, TooManyAttemptsException } from './auth-limits.js';
import type { CredentialCheckKind, CredentialCheckOutcome } from './auth-observer.js';
import { HashingBusyException, PasswordHasher } from './password-hasher.js';
import { NameTakenError, UserStore, type UserAccount } from './user-store.js';

/** Accounts in a Map; names match exactly (ignoring case is the real store's job). */
class InMemoryUserStore extends UserStore {
  readonly accounts = new Map<string, UserAccount>();
  failure?: Error;

  async findByName(name: string): Promise<UserAccount | undefined> {
    if (this.failure) throw this.failure;
    return this.accounts.get(name);
  }

  async create(name: string, passwordHash: string): Promise<UserAccount> {
    if (this.failure) throw this.failure;
    if (this.accounts.has(name)) throw new NameTakenError(name);
    const account = { id: `u${this.accounts.size + 1}`, name, passwordHash };
    this.accounts.set(name, account);
    return account;
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    if (this.failure) throw this.failure;
    for (const account of this.accounts.values())
      if (account.id === id) account.passwordHash = passwordHash;
  }

  async ping(): Promise<void> {}
}

const hasher = new PasswordHasher();
const CLIENT = { ip: '203.0.113.7' };

describe(AuthService.name, () => {
  let users: InMemoryUserStore;
  let sut: AuthService;

  beforeEach(() => {
    users = new InMemoryUserStore();
    sut = new AuthService(
      users,
      hasher,
      new AuthLimits(new MemorySessionStore(new SessionLifetime(SESSION_DEFAULTS)), {
        attemptsPerMinute: 1000,
      }),
    );
  });

  it('registers an account, storing only a hash of the password, and signs it in', async () => {
    const registered = await sut.register('alice', 'correct horse', CLIENT);

    expect(registered).toEqual({ id: 'u1', name: 'alice' });
    expect(users.accounts.get('alice')?.passwordHash).toMatch(/^scrypt\$/);
    expect(users.accounts.get('alice')?.passwordHash).not.toContain('correct horse');
    await expect(sut.signIn('alice', 'correct horse', CLIENT)).resolves.toEqual(registered);
  });

  it('refuses a wrong password with a 401', async () => {
    await sut.register('alice', 'correct horse', CLIENT);

    const attempt = sut.signIn('alice', 'wrong horse', CLIENT);

    await expect(attempt).rejects.toBeInstanceOf(InvalidCredentialsException);
    await expect(attempt).rejects.toMatchObject({ status: HttpStatus.UNAUTHORIZED });
  });

  it('refuses an unknown name exactly like a wrong password', async () => {
    const attempt = sut.signIn('nobody', 'correct horse', CLIENT);

    await expect(attempt).rejects.toBeInstanceOf(InvalidCredentialsException);
    await expect(attempt).rejects.toMatchObject({ status: HttpStatus.UNAUTHORIZED });
  });

  it('locks a name out from one address after 5 failures, even for the right password, but not from another address', async () => {
    await sut.register('alice', 'correct horse', CLIENT);
    for (let i = 0; i < 5; i++) {
      await expect(sut.signIn('alice', 'wrong horse', CLIENT)).rejects.toBeInstanceOf(
        InvalidCredentialsException,
      );
    }

    const locked = sut.signIn('alice', 'correct horse', CLIENT);

    await expect(locked).rejects.toBeInstanceOf(TooManyAttemptsException);
    await expect(locked).rejects.toMatchObject({ status: HttpStatus.TOO_MANY_REQUESTS });
    await expect(
      sut.signIn('alice', 'correct horse', { ip: '198.51.100.1' }),
    ).resolves.toMatchObject({
      name: 'alice',
    });
  });

  it('forgives earlier failures after a successful sign-in', async () => {
    await sut.register('alice', 'correct horse', CLIENT);
    for (let i = 0; i < 4; i++) {
      await expect(sut.signIn('alice', 'wrong horse', CLIENT)).rejects.toBeInstanceOf(
        InvalidCredentialsException,
      );
    }
    await sut.signIn('alice', 'correct horse', CLIENT);

    await expect(sut.signIn('alice', 'wrong horse', CLIENT)).rejects.toBeInstanceOf(
      InvalidCredentialsException,
    );
    await expect(sut.signIn('alice', 'correct horse', CLIENT)).resolves.toMatchObject({
      name: 'alice',
    });
  });

  it('refuses at once when hashing is busy: nothing counted, no account read', async () => {
    const busy = new PasswordHasher();
    busy.assertNotBusy = () => {
      throw new HashingBusyException();
    };
    let reads = 0;
    users.findByName = async () => {
      reads++;
      return undefined;
    };
    const limits = new AuthLimits(new MemorySessionStore(new SessionLifetime(SESSION_DEFAULTS)), {
      attemptsPerMinute: 1,
    });
    const limited = new AuthService(users, busy, limits);

    await expect(limited.signIn('alice', 'correct horse', CLIENT)).rejects.toBeInstanceOf(
      HashingBusyException,
    );
    await expect(limited.register('alice', 'correct horse', CLIENT)).rejects.toBeInstanceOf(
      HashingBusyException,
    );
    expect(reads).toBe(0);
    // The address's one check a minute is still there.
    await expect(limits.checkAddress(CLIENT.ip)).resolves.toBeUndefined();
  });

  it('refuses a taken name with a 409', async () => {
    await sut.register('alice', 'correct horse', CLIENT);

    const attempt = sut.register('alice', 'another horse', CLIENT);

    await expect(attempt).rejects.toBeInstanceOf(NameTakenException);
    await expect(attempt).rejects.toMatchObject({ status: HttpStatus.CONFLICT });
  });

  it('changes the password: the old one stops working, the new one signs in', async () => {
    const alice = await sut.register('alice', 'correct horse', CLIENT);

    await sut.changePassword(alice, 'correct horse', 'battery staple', CLIENT);

    expect(users.accounts.get('alice')?.passwordHash).not.toContain('battery staple');
    await expect(sut.signIn('alice', 'correct horse', CLIENT)).rejects.toBeInstanceOf(
      InvalidCredentialsException,
    );
    await expect(sut.signIn('alice', 'battery staple', CLIENT)).resolves.toEqual(alice);
  });

  it('refuses a wrong current password with a 401 and keeps the old password', async () => {
    const alice = await sut.register('alice', 'correct horse', CLIENT);

    const attempt = sut.changePassword(alice, 'wrong horse', 'battery staple', CLIENT);

    await expect(attempt).rejects.toBeInstanceOf(WrongCurrentPasswordException);
    await expect(attempt).rejects.toMatchObject({ status: HttpStatus.UNAUTHORIZED });
    await expect(sut.signIn('alice', 'correct horse', CLIENT)).resolves.toEqual(alice);
  });

  it("refuses to change the password of an account that is not the session's user", async () => {
    await sut.register('alice', 'correct horse', CLIENT);
    const impostor = { id: 'someone-else', name: 'alice' };

    const attempt = sut.changePassword(impostor, 'correct horse', 'battery staple', CLIENT);

    await expect(attempt).rejects.toBeInstanceOf(WrongCurrentPasswordException);
  });

  it('throttles wrong current passwords: the 6th try gets a 429, even when right', async () => {
    const alice = await sut.register('alice', 'correct horse', CLIENT);
    for (let i = 0; i < 5; i++) {
      await expect(
        sut.changePassword(alice, 'wrong horse', 'battery staple', CLIENT),
      ).rejects.toBeInstanceOf(WrongCurrentPasswordException);
    }

    const locked = sut.changePassword(alice, 'correct horse', 'battery staple', CLIENT);

    await expect(locked).rejects.toBeInstanceOf(TooManyAttemptsException);
    await expect(locked).rejects.toMatchObject({ status: HttpStatus.TOO_MANY_REQUESTS });
  });

  it('answers 503 when the accounts database fails while storing the new password', async () => {
    const alice = await sut.register('alice', 'correct horse', CLIENT);
    const failure = new Error('SQLITE_READONLY');
    users.updatePasswordHash = () => Promise.reject(failure);

    const attempt = sut.changePassword(alice, 'correct horse', 'battery staple', CLIENT);

    await expect(attempt).rejects.toBeInstanceOf(ServiceUnavailableException);
    await expect(attempt).rejects.toMatchObject({ cause: failure });
  });

  it.each([
    ['signing in', (service: AuthService) => service.signIn('alice', 'correct horse', CLIENT)],
    ['registering', (service: AuthService) => service.register('alice', 'correct horse', CLIENT)],
    [
      'changing a password',
      (service: AuthService) =>
        service.changePassword({ id: 'u1', name: 'alice' }, 'correct horse', 'new horse', CLIENT),
    ],
  ])('answers 503, not 401 or 500, when the accounts database fails while %s', async (_, act) => {
    const failure = new Error('SQLITE_IOERR');
    users.failure = failure;

    const attempt = act(sut);

    await expect(attempt).rejects.toBeInstanceOf(ServiceUnavailableException);
    await expect(attempt).rejects.toMatchObject({
      status: HttpStatus.SERVICE_UNAVAILABLE,
      cause: failure,
    });
  });

  it('tells an observer how each credential check ended: success, failure, throttled, busy, and nothing for an outage', async () => {
    const seen: string[] = [];
    const observer = {
      credentialChecked: (kind: CredentialCheckKind, outcome: CredentialCheckOutcome) =>
        seen.push(`${kind} ${outcome}`),
    };
    const limits = new AuthLimits(new MemorySessionStore(new SessionLifetime(SESSION_DEFAULTS)), {
      attemptsPerMinute: 6,
    });
    const observed = new AuthService(users, hasher, limits, observer);

    const alice = await observed.register('alice', 'correct horse', CLIENT);
    await observed.register('alice', 'correct horse', CLIENT).catch(() => undefined);
    await observed.signIn('alice', 'correct horse', CLIENT);
    await observed.signIn('alice', 'wrong horse', CLIENT).catch(() => undefined);
    await observed.changePassword(alice, 'correct horse', 'battery staple', CLIENT);
    await observed
      .changePassword(alice, 'wrong horse', 'x'.repeat(8), CLIENT)
      .catch(() => undefined);
    await observed.signIn('alice', 'battery staple', CLIENT).catch(() => undefined);
    users.failure = new Error('SQLITE_IOERR');
    await observed.signIn('alice', 'battery staple', { ip: '198.51.100.1' }).catch(() => undefined);
    const busy = new PasswordHasher();
    busy.assertNotBusy = () => {
      throw new HashingBusyException();
    };
    await new AuthService(users, busy, limits, observer)
      .register('bob', 'correct horse', CLIENT)
      .catch(() => undefined);

    expect(seen).toEqual([
      'register success',
      'register failure',
      'sign_in success',
      'sign_in failure',
      'password_change success',
      'password_change failure',
      'sign_in throttled',
      'register busy',
    ]);
  });
});
