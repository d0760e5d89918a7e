import { randomBytes } from 'node:crypto';
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_DEFAULTS } from 'nest-session-auth';
import { redisForTests } from 'nest-session-auth/testing';
import { createTestApp, tempDataDir, type TestApp } from './utils/create-test-app.js';
import { csrfToken, register, signIn, submitForm } from './utils/forms.js';

/**
 * SPEC "Abuse resistance": the limits hold for simultaneous requests and are shared by every
 * instance. Client addresses come from X-Forwarded-For through one trusted proxy hop.
 */

const PROXY = {
  TRUST_PROXY: '1',
  AUTH_ATTEMPTS_PER_MINUTE: String(AUTH_DEFAULTS.attemptsPerMinute),
};

/** A name and an address no other run uses, so counts kept in a shared Redis never collide. */
const unique = () => {
  const bytes = randomBytes(3);
  return { name: `u${bytes.toString('hex')}`, ip: `10.${bytes[0]}.${bytes[1]}.${bytes[2]}` };
};

/** A browser behind the proxy at `ip`. */
const browserAt = (t: TestApp, ip: string) => t.agent().set('X-Forwarded-For', ip);

/** Sends `count` copies of one form at once, from one page's CSRF token, as a script would. */
async function burst(
  agent: request.Agent,
  page: string,
  action: string,
  fields: Record<string, string>,
  count: number,
): Promise<number[]> {
  const token = csrfToken((await agent.get(page)).text);
  const responses = await Promise.all(
    Array.from({ length: count }, () =>
      agent
        .post(action)
        .type('form')
        .send({ ...fields, _csrf: token }),
    ),
  );
  return responses.map((res) => res.status);
}

/** A burst's answers: at most five verdicts (401), and 429 for every other request. */
const verdictsOf = (statuses: number[]) => ({
  atMostFive: statuses.filter((status) => status === 401).length <= 5,
  othersRefused: statuses.every((status) => status === 401 || status === 429),
  statuses: tally(statuses),
});

const tally = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>(
    (counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }),
    {},
  );

describe('simultaneous guesses (SQLite)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(PROXY);
  });
  afterAll(() => t.close());

  it('a burst of 20 wrong passwords gets at most five 401s, and the right one afterwards 429', async () => {
    const { name, ip } = unique();
    await register(browserAt(t, '10.255.0.1'), name);
    const attacker = browserAt(t, ip);

    const statuses = await burst(
      attacker,
      '/login',
      '/login',
      { name, password: 'wrong horse' },
      20,
    );

    expect(verdictsOf(statuses)).toMatchObject({ atMostFive: true, othersRefused: true });
    const right = await signIn(attacker, name);
    expect(right.status).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(60);
    // The owner, from elsewhere, is not locked out.
    expect((await signIn(browserAt(t, '10.255.0.2'), name)).status).toBe(303);
  });

  it('a burst of 20 wrong current passwords on a stolen session gets at most five 401s, then 429', async () => {
    const { name, ip } = unique();
    const thief = browserAt(t, ip);
    await register(thief, name);

    const statuses = await burst(
      thief,
      '/account',
      '/account/password',
      { current_password: 'wrong horse', new_password: 'battery staple' },
      20,
    );

    expect(verdictsOf(statuses)).toMatchObject({ atMostFive: true, othersRefused: true });
    const right = await submitForm(thief, '/account', '/account/password', {
      current_password: 'correct horse',
      new_password: 'battery staple',
    });
    expect(right.status).toBe(429);
    expect(right.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('40 registrations from one address are cut off by 429 while another address registers', async () => {
    const { name, ip } = unique();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      // A fresh browser for each account, as a script that drops cookies would be.
      statuses.push((await register(browserAt(t, ip), `${name}-${i}`)).status);
    }

    expect(tally(statuses)).toEqual({ 303: 30, 429: 10 });
    const other = await register(browserAt(t, '10.255.0.3'), `${name}-other`);
    expect(other.status).toBe(303);
  });

  it('name spraying from one address (40 names, one password) is cut off by 429', async () => {
    const { name, ip } = unique();
    const sprayer = browserAt(t, ip);
    const token = csrfToken((await sprayer.get('/login')).text);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await sprayer
        .post('/login')
        .type('form')
        .send({ name: `${name}-${i}`, password: 'Summer2026!', _csrf: token });
      statuses.push(res.status);
    }

    expect(tally(statuses)).toEqual({ 401: 30, 429: 10 });
  });
});

/** Five failures spread over two instances sharing a store, then the right password on each. */
async function spreadFailures(a: TestApp, b: TestApp): Promise<{ name: string; ip: string }> {
  const { name, ip } = unique();
  await register(browserAt(a, '10.254.0.1'), name);
  const statuses: number[] = [];
  for (const instance of [a, b, a, b, a]) {
    statuses.push((await signIn(browserAt(instance, ip), name, 'wrong horse')).status);
  }
  expect(statuses).toEqual([401, 401, 401, 401, 401]);
  return { name, ip };
}

describe('two instances on one DATA_DIR (SQLite)', () => {
  const dataDir = tempDataDir();
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await createTestApp(PROXY, dataDir);
    b = await createTestApp(PROXY, dataDir);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('five failures spread over both lock the name and address out on both, and a restart forgets nothing', async () => {
    const { name, ip } = await spreadFailures(a, b);

    expect((await signIn(browserAt(a, ip), name)).status).toBe(429);
    expect((await signIn(browserAt(b, ip), name)).status).toBe(429);
    await b.close();
    b = await createTestApp(PROXY, dataDir);
    expect((await signIn(browserAt(b, ip), name)).status).toBe(429);
  });
});

const redisUrl = await redisForTests();

describe.skipIf(!redisUrl)('two instances on one Redis', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const env = { ...PROXY, SESSION_STORE: 'redis', REDIS_URL: redisUrl! };
    // Accounts in one DATA_DIR, so the name exists on both; the counts can only come from Redis.
    const dataDir = tempDataDir();
    a = await createTestApp(env, dataDir);
    b = await createTestApp(env, dataDir);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('five failures spread over both lock the name and address out on both', async () => {
    const { name, ip } = await spreadFailures(a, b);

    expect((await signIn(browserAt(a, ip), name)).status).toBe(429);
    expect((await signIn(browserAt(b, ip), name)).status).toBe(429);
    expect((await signIn(browserAt(b, '10.254.0.9'), name)).status).toBe(303);
  });
});
