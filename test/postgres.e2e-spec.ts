import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postgresForTests,
  redisForTests,
  temporaryDatabase,
  type TemporaryDatabase,
} from 'nest-session-auth/testing';
import { createTestApp, type TestApp } from './utils/create-test-app.js';
import { twoInstances, type TwoInstances } from './utils/two-instances.js';
import { csrfToken, register, signIn, cookiePair } from './utils/forms.js';
import { TcpProxy } from './utils/tcp-proxy.js';

const postgresUrl = await postgresForTests();
const redisUrl = postgresUrl ? await redisForTests() : undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The revoke-form actions on a sessions page. */
const revokeActions = (html: string) =>
  [...html.matchAll(/action="(\/sessions\/[^"/]+\/revoke)"/g)].map((match) => match[1]);

/** `url` with its host and port replaced. */
function via(url: string, { host, port }: { host: string; port: number }): string {
  const rewritten = new URL(url);
  rewritten.hostname = host;
  rewritten.port = String(port);
  return rewritten.toString();
}

describe.skipIf(!postgresUrl || !redisUrl)(
  'two instances on different machines: accounts in PostgreSQL, sessions in Redis',
  () => {
    let instances: TwoInstances;
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      instances = await twoInstances(postgresUrl!, {
        SESSION_STORE: 'redis',
        REDIS_URL: redisUrl!,
      });
      ({ a, b } = instances);
    });
    afterAll(() => instances?.close());

    it('registers on A, signs in on B, and the name is taken on both, ignoring case', async () => {
      expect(a.dataDir).not.toBe(b.dataDir);
      expect((await register(a.agent(), 'Roamer')).status).toBe(303);

      const onB = b.agent();
      expect((await signIn(onB, 'roamer')).status).toBe(303);
      expect((await onB.get('/api/me')).body).toEqual({ name: 'Roamer' });
      expect((await register(b.agent(), 'ROAMER')).status).toBe(409);
    });

    it('shares the session: a cookie from B works on A, and revoking on B ends it on A', async () => {
      await register(a.agent(), 'traveller');
      const onA = cookiePair(await signIn(a.agent(), 'traveller'))!;
      const fromB = cookiePair(await signIn(b.agent(), 'traveller'))!;
      expect((await a.agent().get('/api/me').set('Cookie', fromB)).body).toEqual({
        name: 'traveller',
      });

      const onB = b.agent();
      await signIn(onB, 'traveller');
      const page = await onB.get('/sessions');
      const actions = revokeActions(page.text);
      expect(actions).toHaveLength(3); // the sign-up, onA and fromB
      for (const action of actions) {
        const res = await onB
          .post(action)
          .type('form')
          .send({ _csrf: csrfToken(page.text) });
        expect(res.status).toBe(303);
      }

      expect((await a.agent().get('/api/me').set('Cookie', onA)).status).toBe(401);
      expect((await a.agent().get('/api/me').set('Cookie', fromB)).status).toBe(401);
      expect((await onB.get('/api/me')).body).toEqual({ name: 'traveller' });
    });
  },
);

describe.skipIf(!postgresUrl)('a PostgreSQL outage at run time', () => {
  let database: TemporaryDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    database = await temporaryDatabase(postgresUrl!);
    const server = new URL(database.url);
    proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
    t = await createTestApp({
      SESSION_STORE: 'memory',
      DATABASE_URL: via(database.url, proxy.address),
    });
    await register(t.agent(), 'steady');
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.stop();
    await database?.drop();
  });

  /** A sign-in, and how long its answer took. */
  async function timedSignIn(): Promise<{ status: number; text: string; ms: number }> {
    const browser = t.agent();
    const form = await browser.get('/login');
    const startedAt = Date.now();
    const res = await browser
      .post('/login')
      .type('form')
      .send({ name: 'steady', password: 'correct horse', _csrf: csrfToken(form.text) });
    return { status: res.status, text: res.text, ms: Date.now() - startedAt };
  }

  /** Polls until a sign-in succeeds, for at most `ms`. */
  async function signInSucceedsWithin(ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    let status = 0;
    while (status !== 303 && Date.now() < deadline) {
      status = (await timedSignIn()).status;
      if (status !== 303) await sleep(100);
    }
    return status;
  }

  it('answers 503 at once while the server is gone, keeps users signed in, then recovers by itself', async () => {
    const signedIn = t.agent();
    expect((await signIn(signedIn, 'steady')).status).toBe(303);
    await proxy.stop();

    const attempt = await timedSignIn();
    expect(attempt).toMatchObject({ status: 503 });
    expect(attempt.text).toContain('Accounts are unavailable');
    expect(attempt.ms).toBeLessThan(5000);
    expect((await signedIn.get('/api/me')).body).toEqual({ name: 'steady' });
    const health = await t.agent().get('/health/ready');
    expect({ status: health.status, body: health.body as unknown }).toMatchObject({
      status: 503,
      body: {
        status: 'error',
        info: { sessions: { status: 'up' } },
        error: { accounts: { status: 'down' } },
      },
    });

    await proxy.start();
    expect(await signInSucceedsWithin(5000)).toBe(303);
    expect((await t.agent().get('/health')).status).toBe(200);
  });

  it('answers 503 within seconds while the server hangs, then recovers when it answers again', async () => {
    expect((await timedSignIn()).status).toBe(303); // a pooled connection exists
    proxy.freeze();

    const attempt = await timedSignIn();
    expect(attempt.status).toBe(503);
    expect(attempt.ms).toBeLessThan(5000);
    const health = await t.agent().get('/health/ready');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({
      info: { sessions: { status: 'up' } },
      error: { accounts: { status: 'down' } },
    });

    proxy.thaw();
    expect(await signInSucceedsWithin(5000)).toBe(303);
    expect((await t.agent().get('/health')).status).toBe(200);
  });
});
