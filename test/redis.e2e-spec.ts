import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisForTests } from 'nest-session-auth/testing';
import { createTestApp, tempDataDir, type TestApp } from './utils/create-test-app.js';
import { csrfToken, register, signIn, cookiePair } from './utils/forms.js';
import { OwnRedis } from './utils/redis-server.js';

const redisUrl = await redisForTests();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!redisUrl)('two instances on one Redis', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    // One DATA_DIR for the accounts; the sessions live only in Redis.
    const dataDir = tempDataDir();
    const env = { SESSION_STORE: 'redis', REDIS_URL: redisUrl! };
    a = await createTestApp(env, dataDir);
    b = await createTestApp(env, dataDir);
    await register(a.agent(), 'shared');
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('shares sessions: signed in on A is signed in on B; revoking on B ends it on A', async () => {
    const onA = cookiePair(await signIn(a.agent(), 'shared'))!;
    expect((await b.agent().get('/api/me').set('Cookie', onA)).body).toEqual({ name: 'shared' });

    const onB = b.agent();
    await signIn(onB, 'shared');
    const list = await onB.get('/sessions');
    const handles = [...list.text.matchAll(/action="\/sessions\/([^/"]+)\/revoke"/g)].map(
      (m) => m[1],
    );
    expect(handles.length).toBeGreaterThanOrEqual(1);
    for (const handle of handles) {
      await onB
        .post(`/sessions/${handle}/revoke`)
        .type('form')
        .send({ _csrf: csrfToken(list.text) });
    }
    expect((await a.agent().get('/api/me').set('Cookie', onA)).status).toBe(401);
    expect((await onB.get('/api/me')).status).toBe(200);
  });

  it('keeps every one of 20 parallel cart adds made through both instances', async () => {
    const browser = a.agent();
    const cookie = cookiePair(await signIn(browser, 'shared'))!;
    const page = await browser.get('/cart');
    const token = csrfToken(page.text);
    const csrf = cookiePair(page, 'csrf');
    const cookies = [cookie, csrf].filter(Boolean).join('; ');
    const adds = Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? a : b)
        .agent()
        .post('/cart/items')
        .set('Cookie', cookies)
        .type('form')
        .send({ item: `thing ${i}`, _csrf: token }),
    );
    for (const res of await Promise.all(adds)) expect(res.status).toBe(303);
    const cart = await a.agent().get('/cart').set('Cookie', cookies);
    for (let i = 0; i < 20; i++) expect(cart.text).toContain(`thing ${i}`);
  });
});

describe.skipIf(!redisUrl)('a Redis outage', () => {
  let redis: OwnRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await OwnRedis.start();
    t = await createTestApp({ SESSION_STORE: 'redis', REDIS_URL: redis.url });
    await register(t.agent(), 'weathered');
  });
  afterAll(async () => {
    await t.close();
    await redis.dispose();
  });

  it('answers 503 within a bounded time while Redis hangs, then recovers with the session intact', async () => {
    const cookie = cookiePair(await signIn(t.agent(), 'weathered'))!;
    // Long enough for two requests to time out (2 s each) even on a loaded machine.
    await redis.pause(7000);
    const started = Date.now();
    const page = await t.agent().get('/').set('Cookie', cookie);
    expect(page.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3500);
    const health = await t.agent().get('/health/ready');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({
      error: { sessions: { status: 'down' } },
      info: { accounts: { status: 'up' } },
    });

    await sleep(7000 - (Date.now() - started) + 200);
    expect((await t.agent().get('/api/me').set('Cookie', cookie)).body).toEqual({
      name: 'weathered',
    });
  });

  it('answers 503 at once while Redis is down, stays up, and reconnects by itself when it returns', async () => {
    const cookie = cookiePair(await signIn(t.agent(), 'weathered'))!;
    await redis.stop();
    const started = Date.now();
    const api = await t.agent().get('/api/me').set('Cookie', cookie);
    expect(api.status).toBe(503);
    expect(api.body).toMatchObject({ statusCode: 503 });
    expect((await t.agent().get('/').set('Cookie', cookie)).text).toContain(
      'Sessions are unavailable',
    );
    expect(Date.now() - started).toBeLessThan(3000);
    // Ready no longer, but alive: an orchestrator must not restart the app for a store outage.
    expect((await t.agent().get('/health/ready')).status).toBe(503);
    expect((await t.agent().get('/health/live')).status).toBe(200);

    await redis.restart();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await sleep(200);
      status = (await t.agent().get('/api/me').set('Cookie', cookie)).status;
    }
    expect(status).toBe(200); // reconnected, and the append-only file kept the session
    expect((await t.agent().get('/health')).status).toBe(200);
  });
});

describe.skipIf(!redisUrl)('Redis round trips', () => {
  let redis: OwnRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await OwnRedis.start();
    t = await createTestApp({ SESSION_STORE: 'redis', REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await t.close();
    await redis.dispose();
  });

  it('serves a page view with one HMGET; a write adds one script run by SHA, sent whole once after a SCRIPT FLUSH', async () => {
    const browser = t.agent();
    await register(browser, 'counted');
    const token = csrfToken((await browser.get('/')).text);
    const setTheme = (theme: string) =>
      browser.post('/preferences').type('form').send({ theme, _csrf: token });

    expect(await redis.commandsDuring(() => browser.get('/'))).toEqual(['hmget']);
    expect(await redis.commandsDuring(() => setTheme('dark'))).toEqual(['hmget', 'evalsha']);

    await redis.command(['SCRIPT', 'FLUSH']);
    expect(await redis.commandsDuring(() => setTheme('light'))).toEqual([
      'hmget',
      'evalsha',
      'eval',
    ]);
    expect(await redis.commandsDuring(() => setTheme('dark'))).toEqual(['hmget', 'evalsha']);
    expect((await browser.get('/')).text).toContain('data-theme="dark"');
  });
});
