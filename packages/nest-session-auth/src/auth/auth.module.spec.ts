import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionModule } from '../session/index.js';
import type { AuthModuleOptions } from './auth-options.interface.js';
import { AUTH_OPTIONS, AUTH_ROUTES, AUTH_DEFAULTS } from './auth.constants.js';
import { AuthModule } from './auth.module.js';
import { UserStore, type UserAccount } from './user-store.js';

@Injectable()
class NoAccounts extends UserStore {
  findByName(): Promise<UserAccount | undefined> {
    return Promise.resolve(undefined);
  }
  create(): Promise<UserAccount> {
    return Promise.reject(new Error('closed'));
  }
  updatePasswordHash(): Promise<void> {
    return Promise.resolve();
  }
  ping(): Promise<void> {
    return Promise.resolve();
  }
}

@Module({ providers: [NoAccounts], exports: [NoAccounts] })
class AccountsModule {}

class OptionsFactory {
  create(): AuthModuleOptions {
    return { attemptsPerMinute: 7 };
  }
}

describe(AuthModule.name, () => {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  async function compile(auth: DynamicModule): Promise<TestingModule> {
    moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ isGlobal: true, secret: 's' }), auth],
    }).compile();
    return moduleRef;
  }

  it('forRoot: provides the options without the extras, the routes with defaults, and the store given', async () => {
    const sut = await compile(
      AuthModule.forRoot({
        attemptsPerMinute: 5,
        imports: [AccountsModule],
        userStore: NoAccounts,
        routes: { login: '/signin' },
      }),
    );

    expect(sut.get(AUTH_OPTIONS)).toEqual({ attemptsPerMinute: 5 });
    expect(sut.get(AUTH_ROUTES)).toEqual({ ...AUTH_DEFAULTS.routes, login: '/signin' });
    expect(sut.get(UserStore)).toBeInstanceOf(NoAccounts);
  });

  it('forRootAsync with useClass: the options come from the factory class', async () => {
    const sut = await compile(
      AuthModule.forRootAsync({
        useClass: OptionsFactory,
        imports: [AccountsModule],
        userStore: NoAccounts,
      }),
    );

    expect(sut.get(AUTH_OPTIONS)).toEqual({ attemptsPerMinute: 7 });
    expect(sut.get(AUTH_ROUTES)).toEqual(AUTH_DEFAULTS.routes);
  });

  it('forRoot: without controllers, mounts none', () => {
    expect(AuthModule.forRoot({ controllers: false }).controllers).toEqual([]);
    expect(AuthModule.forRoot({}).controllers).toHaveLength(5);
  });
});
