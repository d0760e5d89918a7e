import { Controller, Get, Injectable, Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import hbs from 'hbs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigModule, ConfigService } from '@nestjs/config';
import {
  AuthModule,
  CurrentUser,
  DEFAULT_PAGES,
  PasswordHasher,
  Public,
  SESSION_OPTIONS,
  SessionModule,
  UserStore,
  type SessionModuleOptions,
  type SessionUser,
  type UserAccount,
} from 'nest-session-auth';
import { signIn } from './utils/forms.js';

/** A team's own user lookup: here, one hard-coded account. */
@Injectable()
class StubUserStore extends UserStore {
  private readonly account = new PasswordHasher()
    .hash('team password')
    .then((passwordHash): UserAccount => ({ id: 'u-1', name: 'teammate', passwordHash }));

  async findByName(name: string) {
    const account = await this.account;
    return account.name === name ? account : undefined;
  }
  async create(): Promise<UserAccount> {
    throw new Error('registration is closed');
  }
  async updatePasswordHash(): Promise<void> {
    throw new Error('passwords are managed elsewhere');
  }
  async ping() {}
}

@Module({ providers: [StubUserStore], exports: [StubUserStore] })
class TeamUsersModule {}

@Controller()
class ReportsController {
  @Get('reports')
  list(@CurrentUser() user: SessionUser) {
    return { owner: user.name };
  }

  @Get('api/reports/owner')
  owner(@CurrentUser('id') id: string) {
    return { id };
  }

  @Public()
  @Get('about')
  about() {
    return { public: true };
  }
}

@Public()
@Controller('open')
class OpenController {
  @Get()
  open(@CurrentUser() user: SessionUser | undefined) {
    return { user: user ?? null };
  }
}

describe('SessionModule + AuthModule dropped into another app', () => {
  let app: NestExpressApplication;
  let agent: () => request.Agent;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        SessionModule.forRoot({ isGlobal: true, secret: 'team-secret', store: { type: 'memory' } }),
        AuthModule.forRoot({ imports: [TeamUsersModule], userStore: StubUserStore }),
      ],
      controllers: [ReportsController, OpenController],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    // The sign-in pages render the module's views; a team can point this at its own.
    app.setBaseViewsDir(DEFAULT_PAGES.views);
    app.setViewEngine('hbs');
    hbs.registerPartials(DEFAULT_PAGES.partials);
    await app.init();
    agent = () => request.agent(app.getHttpServer());
  });
  afterAll(() => app.close());

  it('denies routes by default: browsers are sent to sign in, JSON callers get 401', async () => {
    const html = await agent().get('/reports').set('Accept', 'text/html');
    expect(html.status).toBe(303);
    expect(html.headers.location).toBe('/login?next=%2Freports');
    const json = await agent().get('/reports').set('Accept', 'application/json');
    expect(json.status).toBe(401);
    expect(json.body).toMatchObject({ statusCode: 401 });
    expect((await agent().get('/api/reports/owner')).status).toBe(401);
  });

  it('opens a handler or a whole controller with @Public()', async () => {
    expect((await agent().get('/about')).body).toEqual({ public: true });
    expect((await agent().get('/open')).body).toEqual({ user: null });
  });

  it("signs in through the module's own form against the team's user lookup, then injects the user", async () => {
    const browser = agent();
    const res = await signIn(browser, 'teammate', 'team password');
    expect(res.status).toBe(303);
    expect((await browser.get('/reports')).body).toEqual({ owner: 'teammate' });
    expect((await browser.get('/api/reports/owner')).body).toEqual({ id: 'u-1' });
    expect((await browser.get('/open')).body).toEqual({ user: { id: 'u-1', name: 'teammate' } });
  });
});

describe('SessionModule.forRootAsync with ConfigService', () => {
  let app: NestExpressApplication;
  afterAll(() => app?.close());

  it('takes its options from configuration and protects routes the same way', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [() => ({ SESSION_SECRET: 'from-config', SESSION_COOKIE_NAME: 'team.sid' })],
        }),
        SessionModule.forRootAsync({
          isGlobal: true,
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService): SessionModuleOptions => ({
            secret: config.getOrThrow<string>('SESSION_SECRET'),
            name: config.get<string>('SESSION_COOKIE_NAME'),
          }),
        }),
        AuthModule.forRoot({ imports: [TeamUsersModule], userStore: StubUserStore }),
      ],
      controllers: [ReportsController],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    await app.init();

    expect(app.get<SessionModuleOptions>(SESSION_OPTIONS)).toMatchObject({
      secret: 'from-config',
      name: 'team.sid',
    });
    expect((await request(app.getHttpServer()).get('/api/reports/owner')).status).toBe(401);
    expect((await request(app.getHttpServer()).get('/about')).status).toBe(200);
  });
});
