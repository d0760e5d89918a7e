import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Body,
  Controller,
  Get,
  HttpStatus,
  Module,
  Post,
  Render,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
  type DynamicModule,
  type Type,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { Request, Response } from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AUTH_OPTIONS,
  AuthModule,
  AuthService,
  CurrentUser,
  ErrorPageFilter,
  FormRefusedException,
  Public,
  SessionGuard,
  SessionModule,
  SessionService,
  clientOf,
  setupSessionAuth,
  type AuthModuleOptions,
  type SessionUser,
} from 'nest-session-auth';
import { APP_FILTER } from '@nestjs/core';
import { csrfToken, submitForm } from './utils/forms.js';

const PASSWORD = 'correct horse';

@Controller()
class TeamController {
  @Get('reports')
  reports(@CurrentUser() user: SessionUser) {
    return { owner: user.name };
  }

  /** A team's own 401, which AuthModule must leave alone (no redirect to the sign-in page). */
  @Public()
  @Get('api-key-only')
  apiKeyOnly() {
    throw new UnauthorizedException('An API key is required.');
  }

  @Public()
  @Post('webhooks/:source')
  webhook(@Body() body: unknown) {
    return { received: body };
  }

  @Public()
  @Post('feedback')
  feedback() {
    return { thanks: true };
  }
}

let dataDir: string;
let app: NestExpressApplication | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'nsa-auth-options-'));
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

let databases = 0;
/** A fresh accounts database for each app. */
function accounts(): AuthModuleOptions['accounts'] {
  return { type: 'sqlite', file: join(dataDir, `accounts-${++databases}.db`) };
}

async function boot(auth: DynamicModule, controllers: Type[] = [TeamController]) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      SessionModule.forRoot({
        isGlobal: true,
        secret: 'options-secret',
        csrf: { exclude: ['/webhooks/{*path}'] },
      }),
      auth,
    ],
    controllers,
    providers: [{ provide: APP_FILTER, useClass: ErrorPageFilter }],
  }).compile();
  app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
  setupSessionAuth(app, { views: [], closeOnSignals: false });
  await app.init();
  return () => request.agent(app!.getHttpServer());
}

describe('AuthModule with paths of its own', () => {
  const routes = {
    login: '/signin',
    register: '/signup',
    logout: '/signout',
    sessions: '/me/devices',
    account: '/me/settings',
    home: '/reports',
  };

  it('serves its pages at those paths, and every redirect and form uses them', async () => {
    const agent = await boot(AuthModule.forRoot({ accounts: accounts(), routes }));
    const browser = agent();

    const denied = await browser.get('/me/devices').set('Accept', 'text/html');
    expect(denied.status).toBe(303);
    expect(denied.headers.location).toBe('/signin?next=%2Fme%2Fdevices');
    expect((await browser.get('/login')).status).toBe(404);

    const signup = await browser.get('/signup');
    expect(signup.text).toContain('action="/signup"');
    expect(signup.text).toContain('href="/signin"');
    const registered = await submitForm(browser, '/signup', '/signup', {
      name: 'pathfinder',
      password: PASSWORD,
    });
    expect(registered.status).toBe(303);
    expect(registered.headers.location).toBe('/reports');

    const devices = await browser.get('/me/devices');
    expect(devices.status).toBe(200);
    expect(devices.text).toContain('action="/signout"');
    expect(devices.text).toContain('href="/me/settings"');
    const settings = await browser.get('/me/settings');
    expect(settings.text).toContain('action="/me/settings/password"');
    const changed = await browser
      .post('/me/settings/password')
      .type('form')
      .send({
        current_password: PASSWORD,
        new_password: 'battery staple',
        _csrf: csrfToken(settings.text),
      });
    expect(changed.headers.location).toBe('/me/settings?changed=1');

    const signedOut = await submitForm(browser, '/signout', '/signout', {});
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.location).toBe('/signin');
    const signedIn = await submitForm(browser, '/signin', '/signin', {
      name: 'pathfinder',
      password: 'battery staple',
    });
    expect(signedIn.headers.location).toBe('/reports');
  });

  it('refuses a path that does not start with a slash, naming it', () => {
    expect(() => AuthModule.forRoot({ routes: { login: 'signin' } })).toThrow(
      'AuthModule: routes.login must be a path starting with "/"',
    );
  });
});

/** A team's own sign-in page on AuthService and SessionService, with the package's refusals. */
@Public()
@Controller('team-login')
class TeamLoginController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
  ) {}

  @Get()
  @Render('login')
  show() {
    return { title: 'Team sign-in' };
  }

  @Post()
  async signIn(
    @Body() body: { name?: string; password?: string },
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const page = { view: 'login', title: 'Team sign-in' };
    if (!body.name) throw FormRefusedException.invalid(page, { name: 'Enter a name.' });
    try {
      const user = await this.auth.signIn(body.name, body.password ?? '', clientOf(req, res));
      await this.sessions.establish(req, { user }, { remember: false, owner: user.id });
    } catch (error) {
      throw FormRefusedException.from(error, page, { name: body.name });
    }
    res.redirect(HttpStatus.SEE_OTHER, '/reports');
  }
}

describe('AuthModule without its controllers', () => {
  it('serves no pages, sends signed-out browsers to the path given, and its services work behind a team page', async () => {
    const agent = await boot(
      AuthModule.forRoot({
        accounts: accounts(),
        controllers: false,
        routes: { login: '/team-login' },
      }),
      [TeamController, TeamLoginController],
    );
    for (const path of ['/login', '/register', '/logout', '/sessions', '/account'])
      expect((await agent().get(path).set('Accept', 'text/html')).status).toBe(404);
    const denied = await agent().get('/reports').set('Accept', 'text/html');
    expect(denied.headers.location).toBe('/team-login?next=%2Freports');

    // No account yet: the team's page refuses through the package's filter, as JSON or a page.
    const browser = agent();
    const token = csrfToken((await browser.get('/team-login')).text);
    const json = await browser
      .post('/team-login')
      .set('Accept', 'application/json')
      .set('X-CSRF-Token', token)
      .send({ name: 'nobody', password: PASSWORD });
    expect(json.status).toBe(401);
    expect(json.body).toMatchObject({
      statusCode: 401,
      message: expect.stringMatching(/name or password/),
    });
    const page = await browser.post('/team-login').type('form').send({ name: '', _csrf: token });
    expect(page.status).toBe(400);
    expect(page.text).toContain('Enter a name.');
    expect(page.text).toContain('<title>Error: Team sign-in</title>');
  });
});

@Controller('guarded')
@UseGuards(SessionGuard)
class GuardedController {
  @Get()
  mine(@CurrentUser('name') name: string) {
    return { name };
  }
}

@Controller('open-by-default')
class UnguardedController {
  @Get()
  open() {
    return { open: true };
  }
}

describe('AuthModule without the global guard', () => {
  it('leaves routes open, and guards those that ask with @UseGuards(SessionGuard)', async () => {
    const agent = await boot(AuthModule.forRoot({ accounts: accounts(), globalGuard: false }), [
      GuardedController,
      UnguardedController,
    ]);
    expect((await agent().get('/open-by-default')).body).toEqual({ open: true });
    expect((await agent().get('/guarded').set('Accept', 'application/json')).status).toBe(401);
    const browser = agent();
    await submitForm(browser, '/register', '/register', { name: 'guarded', password: PASSWORD });
    expect((await browser.get('/guarded')).body).toEqual({ name: 'guarded' });
  });
});

describe('AuthModule.forRootAsync', () => {
  it('takes its options from a factory and the shaping ones beside it', async () => {
    @Module({
      providers: [{ provide: 'TEAM_CONFIG', useValue: { perMinute: 2 } }],
      exports: ['TEAM_CONFIG'],
    })
    class TeamConfigModule {}
    const file = accounts();
    const agent = await boot(
      AuthModule.forRootAsync({
        imports: [TeamConfigModule],
        inject: ['TEAM_CONFIG'],
        useFactory: (config: { perMinute: number }): AuthModuleOptions => ({
          accounts: file,
          attemptsPerMinute: config.perMinute,
        }),
        routes: { login: '/enter' },
      }),
    );
    expect(app!.get<AuthModuleOptions>(AUTH_OPTIONS)).toEqual({
      accounts: file,
      attemptsPerMinute: 2,
    });
    expect((await agent().get('/reports').set('Accept', 'text/html')).headers.location).toBe(
      '/enter?next=%2Freports',
    );

    const browser = agent();
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        (await submitForm(browser, '/enter', '/enter', { name: `n${i}`, password: PASSWORD }))
          .status,
      );
    expect(statuses).toEqual([401, 401, 429]);
  });

  it('fails to start with an attempt limit that cannot work, naming it', async () => {
    await expect(
      boot(AuthModule.forRoot({ accounts: accounts(), attemptsPerMinute: 0 })),
    ).rejects.toThrow('AuthModule: attemptsPerMinute must be a whole number of at least 1');
  });
});

describe("AuthModule's filters and CSRF in a team's app", () => {
  it("leaves the app's own 401 alone: no redirect to the sign-in page", async () => {
    const agent = await boot(AuthModule.forRoot({ accounts: accounts() }));
    const page = await agent().get('/api-key-only').set('Accept', 'text/html');
    expect(page.status).toBe(401);
    expect(page.headers.location).toBeUndefined();
    expect(page.text).toContain('An API key is required.');
  });

  it('lets excluded paths (webhooks) post without a token, and nothing else', async () => {
    const agent = await boot(AuthModule.forRoot({ accounts: accounts() }));
    const hook = await agent().post('/webhooks/github').send({ ref: 'main' });
    expect(hook.status).toBe(201);
    expect(hook.body).toEqual({ received: { ref: 'main' } });
    expect((await agent().post('/feedback').send({})).status).toBe(403);
    expect((await agent().post('/webhooks-not-really').send({})).status).toBe(403);
  });

  it('takes the token from the X-CSRF-Token header, as scripts send it', async () => {
    const agent = await boot(AuthModule.forRoot({ accounts: accounts() }));
    const browser = agent();
    const token = csrfToken((await browser.get('/login')).text);
    const res = await browser.post('/feedback').set('X-CSRF-Token', token).send({});
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ thanks: true });
  });
});
