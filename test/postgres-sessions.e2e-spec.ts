import { Client, type QueryResultRow } from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_STORE, type ManagedSessionStore } from 'nest-session-auth';
import {
  postgresForTests,
  temporaryDatabase,
  type TemporaryDatabase,
} from 'nest-session-auth/testing';
import { createTestApp, type TestApp } from './utils/create-test-app.js';
import { twoInstances, type TwoInstances } from './utils/two-instances.js';
import { cookiePair, csrfToken, register, signIn, submitForm } from './utils/forms.js';
import { exitWithin, killAllServers, ServerScope } from './utils/server-process.js';
import { TcpProxy } from './utils/tcp-proxy.js';

/** Sessions (and accounts) in PostgreSQL alone: no Redis anywhere in this file. */
const postgresUrl = await postgresForTests();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one statement against the test database. */
async function sql<Row extends QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const rows = async (url: string) =>
  (await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM sessions'))[0].n;

/** Polls `check` every 100 ms until it holds, for at most `ms`; the last answer. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await check()) && Date.now() < deadline) await sleep(100);
  return check();
}

describe.skipIf(!postgresUrl)('SESSION_STORE=postgres: two instances, no Redis', () => {
  let instances: TwoInstances;
  let a: TestApp;
  let b: TestApp;
  let database: TemporaryDatabase;

  beforeAll(async () => {
    instances = await twoInstances(postgresUrl!, { SESSION_STORE: 'postgres' });
    ({ a, b, database } = instances);
  });
  afterAll(() => instances?.close());

  it('shares sessions: signed up on A is signed in on B, and signing out on B ends it on A', async () => {
    expect(a.dataDir).not.toBe(b.dataDir);
    const browser = a.agent();
    const cookie = cookiePair(await register(browser, 'pat'))!;
    expect((await b.agent().get('/api/me').set('Cookie', cookie)).body).toEqual({ name: 'pat' });

    const home = await b.agent().get('/').set('Cookie', cookie);
    const out = await b
      .agent()
      .post('/logout')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrfToken(home.text) });
    expect(out.status).toBe(303);
    expect((await a.agent().get('/api/me').set('Cookie', cookie)).status).toBe(401);
  });

  it('adds no row for anonymous visitors, even when they choose a theme', async () => {
    const before = await rows(database.url);
    const visitor = a.agent();
    for (const page of ['/', '/login', '/register']) await visitor.get(page);
    expect((await submitForm(visitor, '/login', '/preferences', { theme: 'dark' })).status).toBe(
      303,
    );
    expect(await rows(database.url)).toBe(before);
  });

  it('keeps every one of 20 parallel cart adds made through both instances', async () => {
    const browser = a.agent();
    const cookie = cookiePair(await register(browser, 'shopper'))!;
    const page = await browser.get('/cart');
    const token = csrfToken(page.text);
    const cookies = [cookie, cookiePair(page, 'csrf')].filter(Boolean).join('; ');
    const adds = Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? a : b)
        .agent()
        .post('/cart/items')
        .set('Cookie', cookies)
        .type('form')
        .send({ item: `thing ${i}`, _csrf: token }),
    );
    expect((await Promise.all(adds)).map((res) => res.status)).toEqual(adds.map(() => 303));
    const cart = await b.agent().get('/cart').set('Cookie', cookies);
    for (let i = 0; i < 20; i++) expect(cart.text).toContain(`thing ${i}`);
  });

  it('purges idle sessions and keeps the active one', async () => {
    await register(a.agent(), 'sam');
    const idle = cookiePair(await signIn(a.agent(), 'sam'))!;
    const active = cookiePair(await signIn(b.agent(), 'sam'))!;
    const sid = decodeURIComponent(idle.split('=')[1]).slice(2).split('.')[0];
    // The idle session's expiry, moved into the past: the clock of this test.
    await sql(database.url, 'UPDATE sessions SET expired = $1 WHERE sid = $2', [
      Date.now() - 1,
      sid,
    ]);

    expect(await a.app.get<ManagedSessionStore>(SESSION_STORE).purgeExpired()).toBe(1);
    expect(await sql(database.url, 'SELECT sid FROM sessions WHERE sid = $1', [sid])).toEqual([]);
    expect((await a.agent().get('/api/me').set('Cookie', idle)).status).toBe(401);
    expect((await a.agent().get('/api/me').set('Cookie', active)).body).toEqual({ name: 'sam' });
  });
});

describe.skipIf(!postgresUrl)('SESSION_STORE=postgres on a schedule', () => {
  it('purges a session idle past a 1 s timeout while requests keep another alive', async () => {
    const database = await temporaryDatabase(postgresUrl!);
    const t = await createTestApp({
      SESSION_STORE: 'postgres',
      DATABASE_URL: database.url,
      SESSION_IDLE_TIMEOUT: '1',
      SESSION_PURGE_INTERVAL: '1',
    });
    try {
      await register(t.agent(), 'kim'); // one session, left idle
      const active = cookiePair(await signIn(t.agent(), 'kim'))!;
      const onlyActiveLeft = await eventually(async () => {
        expect((await t.agent().get('/api/me').set('Cookie', active)).status).toBe(200);
        return (await rows(database.url)) === 1;
      }, 5000);
      expect(onlyActiveLeft).toBe(true);
    } finally {
      await t.close();
      await database.drop();
    }
  });
});

describe.skipIf(!postgresUrl)('SESSION_STORE=postgres when PostgreSQL goes away', () => {
  let database: TemporaryDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    database = await temporaryDatabase(postgresUrl!);
    const server = new URL(database.url);
    proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
    const viaProxy = new URL(database.url);
    viaProxy.hostname = proxy.address.host;
    viaProxy.port = String(proxy.address.port);
    t = await createTestApp({ SESSION_STORE: 'postgres', DATABASE_URL: viaProxy.toString() });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.stop();
    await database?.drop();
  });

  it('answers 503 while it is gone, stays up, and heals by itself with the session intact', async () => {
    const cookie = cookiePair(await register(t.agent(), 'lee'))!;
    await proxy.stop();

    const page = await t.agent().get('/').set('Cookie', cookie);
    expect(page.status).toBe(503);
    expect(page.text).toContain('Sessions are unavailable');
    expect((await t.agent().get('/health')).body).toMatchObject({
      status: 'error',
      error: { sessions: { status: 'down' }, accounts: { status: 'down' } },
    });
    expect((await t.agent().get('/health/live')).status).toBe(200);

    await proxy.start();
    const healed = await eventually(
      async () => (await t.agent().get('/api/me').set('Cookie', cookie)).status === 200,
      5000,
    );
    expect(healed).toBe(true);
    expect((await t.agent().get('/health')).status).toBe(200);
  });
});

describe.skipIf(!postgresUrl)('SESSION_STORE=postgres and kill -9', () => {
  afterAll(killAllServers);

  it('keeps a sign-up answered just before the kill, after a restart', async (ctx) => {
    const servers = new ServerScope();
    ctx.onTestFinished(() => servers.cleanup());
    const database = await temporaryDatabase(postgresUrl!);
    ctx.onTestFinished(() => database.drop());
    const env = {
      DATA_DIR: servers.tempDir(),
      SESSION_SECRET: 'postgres-kill-secret',
      SESSION_STORE: 'postgres',
      DATABASE_URL: database.url,
    };
    const first = await servers.start(env);
    const browser = request.agent(first.url);
    expect((await register(browser, 'survivor')).status).toBe(303);
    first.kill('SIGKILL'); // the moment the answer is in hand
    expect((await exitWithin(first, 5000)).signal).toBe('SIGKILL');

    await servers.start({ ...env, PORT: String(first.port) });
    expect((await browser.get('/api/me')).body).toEqual({ name: 'survivor' });
  });
});
