import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type request from 'supertest';
import { redisForTests } from 'nest-session-auth/testing';
import { createTestApp, type TestApp } from './utils/create-test-app.js';
import { cookiePair, csrfToken, register, signIn } from './utils/forms.js';
import { OwnCluster, SentinelGroup, until } from './utils/redis-server.js';

// These start redis-servers of their own; a reachable Redis says redis-server is installed
// (and REQUIRE_REDIS=1 turns its absence into a failure).
const redisUrl = await redisForTests();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isSignedIn = async (browser: request.Agent) => (await browser.get('/api/me')).status === 200;

describe.skipIf(!redisUrl)('Redis behind Sentinel', () => {
  let group: SentinelGroup;
  let t: TestApp;

  beforeAll(async () => {
    group = await SentinelGroup.start();
    // REDIS_URL points nowhere: the Sentinels say where the primary is.
    const env = { SESSION_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:1' };
    t = await createTestApp({ ...env, REDIS_SENTINELS: group.addresses });
  });
  afterAll(async () => {
    await t?.close();
    await group?.dispose();
  });

  it(
    'keeps 20 answered sign-ups through a kill -9 of the primary, 503 (never 500) meanwhile, and signs up anew',
    { timeout: 60_000 },
    async () => {
      const cookies: string[] = [];
      for (let i = 0; i < 20; i++) cookies.push(cookiePair(await register(t.agent(), `sv-${i}`))!);
      expect(cookies.every(Boolean)).toBe(true);

      await group.primary.stop('SIGKILL');
      const killedAt = Date.now();
      const statuses = new Set<number>();
      let signedIn = 0;
      while (signedIn < 20 && Date.now() - killedAt < 15_000) {
        const answers = await Promise.all(
          cookies.map((cookie) => t.agent().get('/api/me').set('Cookie', cookie)),
        );
        for (const { status } of answers) statuses.add(status);
        signedIn = answers.filter((res) => res.status === 200).length;
        if (signedIn < 20) await sleep(100);
      }
      expect(signedIn).toBe(20);
      expect([...statuses].filter((status) => status !== 200 && status !== 503)).toEqual([]);
      expect(await group.primaryPort()).toBe(group.replica.port);

      // The new primary has no replica yet: a write it cannot confirm is a 503, not a success.
      expect((await register(t.agent(), 'too-soon')).status).toBe(503);
      // The old server returns as a replica of the new primary: sign-ups work again.
      await group.primary.restart(['--replicaof', '127.0.0.1', String(group.replica.port)]);
      let attempt = 0;
      await until('a sign-up after the failover', async () => {
        const { status } = await register(t.agent(), `after-${attempt++}`);
        statuses.add(status);
        return status === 303;
      });
      expect([...statuses].filter((status) => ![200, 303, 503].includes(status))).toEqual([]);
    },
  );
});

describe.skipIf(!redisUrl)('Redis Cluster', () => {
  let cluster: OwnCluster;
  let t: TestApp;

  beforeAll(async () => {
    cluster = await OwnCluster.start();
    t = await createTestApp({ SESSION_STORE: 'redis', REDIS_CLUSTER_NODES: cluster.addresses });
  });
  afterAll(async () => {
    await t?.close();
    await cluster?.dispose();
  });

  it('lists and revokes one user’s sessions that live on different primaries', async () => {
    const browsers = [t.agent()];
    expect((await register(browsers[0], 'spread')).status).toBe(303);
    for (let i = 1; i < 8; i++) {
      browsers.push(t.agent());
      expect((await signIn(browsers[i], 'spread')).status).toBe(303);
    }
    const sessionsPerNode = await Promise.all(
      cluster.nodes.map(
        async (node) =>
          (
            (await node.command([
              'SCAN',
              '0',
              'MATCH',
              'nsa:*',
              'TYPE',
              'hash',
              'COUNT',
              '1000',
            ])) as [string, string[]]
          )[1].length,
      ),
    );
    expect(sessionsPerNode.reduce((a, b) => a + b)).toBe(8);
    expect(sessionsPerNode.filter((n) => n > 0).length).toBeGreaterThan(1);

    const page = await browsers[0].get('/sessions');
    const handles = [...page.text.matchAll(/action="\/sessions\/([^/"]+)\/revoke"/g)];
    expect(handles).toHaveLength(7); // every session but this one
    const revoke = await browsers[0]
      .post(`/sessions/${handles[0][1]}/revoke`)
      .type('form')
      .send({ _csrf: csrfToken(page.text) });
    expect(revoke.status).toBe(303);
    const still = await Promise.all(browsers.map(isSignedIn));
    expect(still.filter((yes) => !yes)).toHaveLength(1);
    expect(still[0]).toBe(true);

    const again = await browsers[0].get('/sessions');
    await browsers[0]
      .post('/sessions/revoke-others')
      .type('form')
      .send({ _csrf: csrfToken(again.text) });
    expect(await Promise.all(browsers.map(isSignedIn))).toEqual([true, ...Array(7).fill(false)]);
  });
});
