import { statSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, it, type TestContext } from 'vitest';
import { redisForTests } from 'nest-session-auth/testing';
import { csrfToken, register, signIn } from './utils/forms.js';
import {
  exitWithin,
  killAllServers,
  ServerScope,
  type ServerProcess,
} from './utils/server-process.js';

/**
 * `node dist/main.js` as an operator runs it: real signals, real restarts, real files.
 * Stories that do not depend on timing run concurrently; the SIGTERM ones run alone.
 */

const SECRET = 'process-test-secret';

afterAll(killAllServers);

/** This test's servers and temp dirs, killed and removed when it finishes (pass or fail). */
function useServers({ onTestFinished }: Pick<TestContext, 'onTestFinished'>): ServerScope {
  const scope = new ServerScope();
  onTestFinished(() => scope.cleanup());
  return scope;
}

/** The same DATA_DIR and port again, so a supertest agent bound to the old URL keeps working. */
const restart = (servers: ServerScope, previous: ServerProcess, env: Record<string, string>) =>
  servers.start({ ...env, PORT: String(previous.port) });

/** What an operator sees of a failed start: how it exited and its non-empty stderr lines. */
async function failureOf(server: ServerProcess, ms: number) {
  const status = await exitWithin(server, ms);
  return { ...status, stderr: server.stderr.split('\n').filter((text) => text.trim() !== '') };
}

/** What `GET /api/me` answers this browser. */
async function whoAmI(agent: request.Agent): Promise<{ status: number; body: unknown }> {
  const res = await agent.get('/api/me');
  return { status: res.status, body: res.body as unknown };
}

type SignInStep = [name: string, signUpOrIn: (agent: request.Agent) => Promise<request.Response>];

/**
 * One DATA_DIR; for each step a new browser signs up or in, the server is SIGKILLed the moment
 * the 303 arrives, and after a restart every browser signed in so far is asked who it is.
 * Returns the transcript, so a failure shows the whole history.
 */
async function killAfterEachSignIn(
  servers: ServerScope,
  steps: SignInStep[],
  before?: SignInStep,
): Promise<string[]> {
  const env = { DATA_DIR: servers.tempDir(), SESSION_SECRET: SECRET };
  let server = await servers.start(env);
  const transcript: string[] = [];
  if (before) transcript.push(`before: ${(await before[1](request.agent(server.url))).status}`);
  const browsers: request.Agent[] = [];

  for (const [index, [name, signUpOrIn]] of steps.entries()) {
    const browser = request.agent(server.url);
    const res = await signUpOrIn(browser);
    server.kill('SIGKILL'); // the moment the answer is in hand
    const exit = await exitWithin(server, 5_000);
    transcript.push(`step ${index} as ${name}: ${res.status}, then ${exit.signal}`);
    browsers.push(browser);

    server = await restart(servers, server, env);
    for (const [k, earlier] of browsers.entries()) {
      transcript.push(`  browser ${k}: ${JSON.stringify(await whoAmI(earlier))}`);
    }
  }
  return transcript;
}

/** The transcript when nothing is lost. */
function unbrokenTranscript(steps: SignInStep[], before?: SignInStep): string[] {
  const transcript = before ? ['before: 303'] : [];
  steps.forEach(([name], index) => {
    transcript.push(`step ${index} as ${name}: 303, then SIGKILL`);
    for (const [k, [earlier]] of steps.slice(0, index + 1).entries()) {
      transcript.push(
        `  browser ${k}: ${JSON.stringify({ status: 200, body: { name: earlier } })}`,
      );
    }
  });
  return transcript;
}

// Two chains (five kills in all) run side by side to halve the wall time of the restarts.
describe.concurrent('the server is killed with SIGKILL right after answering a sign-in', () => {
  it('loses none of three sign-ups in a row', { timeout: 60_000 }, async (ctx) => {
    const steps: SignInStep[] = [
      ['user0', (agent) => register(agent, 'user0')],
      ['user1', (agent) => register(agent, 'user1')],
      ['user2', (agent) => register(agent, 'user2')],
    ];
    const { expect } = ctx;
    const transcript = await killAfterEachSignIn(useServers(ctx), steps);
    expect(transcript).toEqual(unbrokenTranscript(steps));
  });

  it('loses none of two sign-ins in a row, remembered or not', { timeout: 60_000 }, async (ctx) => {
    const before: SignInStep = ['alice', (agent) => register(agent, 'alice')];
    const steps: SignInStep[] = [
      ['alice', (agent) => signIn(agent, 'alice', 'correct horse', { remember: 'on' })],
      ['alice', (agent) => signIn(agent, 'alice')],
    ];
    const { expect } = ctx;
    const transcript = await killAfterEachSignIn(useServers(ctx), steps, before);
    expect(transcript).toEqual(unbrokenTranscript(steps, before));
  });
});

const redisUrl = await redisForTests();

/**
 * Many sign-ins at once; SIGKILL as soon as a few have been answered, while the rest are still
 * in flight. After a restart, every browser that received its 303 must still be signed in.
 */
async function killUnderSignInLoad(servers: ServerScope, env: Record<string, string>) {
  const settings = { DATA_DIR: servers.tempDir(), SESSION_SECRET: SECRET, ...env };
  let server = await servers.start(settings);
  // A name of its own: with Redis, attempt counts are shared with every other run.
  const name = `loaded-${process.pid}-${Date.now().toString(36)}`;
  await register(request.agent(server.url), name);
  const answered: request.Agent[] = [];
  let killed = false;
  const attempts = Array.from({ length: 12 }, async () => {
    const browser = request.agent(server.url);
    const res = await signIn(browser, name).catch(() => undefined); // in flight at the kill
    if (res?.status !== 303 || killed) return;
    answered.push(browser);
    if (answered.length === 4) {
      killed = true;
      server.kill('SIGKILL');
    }
  });
  await Promise.all(attempts);
  await exitWithin(server, 5_000);
  server = await restart(servers, server, settings);
  return Promise.all(answered.map(async (browser) => (await whoAmI(browser)).status));
}

describe.concurrent('the server is killed with SIGKILL under sign-in load', () => {
  it('loses no answered sign-in on SQLite', { timeout: 60_000 }, async (ctx) => {
    const { expect } = ctx;
    const statuses = await killUnderSignInLoad(useServers(ctx), {});
    expect(statuses.length).toBeGreaterThanOrEqual(4);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });

  it.skipIf(!redisUrl)('loses no answered sign-in on Redis', { timeout: 60_000 }, async (ctx) => {
    const { expect } = ctx;
    const statuses = await killUnderSignInLoad(useServers(ctx), {
      SESSION_STORE: 'redis',
      REDIS_URL: redisUrl!,
      // Sign-ins from 127.0.0.1 by every test share one count in this Redis.
      AUTH_ATTEMPTS_PER_MINUTE: '10000',
    });
    expect(statuses.length).toBeGreaterThanOrEqual(4);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });
});

describe.concurrent('a developer restarts on the same DATA_DIR without SESSION_SECRET', () => {
  it('stays signed in, with the generated secret kept 0600 in DATA_DIR', async (ctx) => {
    const { expect } = ctx;
    const servers = useServers(ctx);
    const env = { DATA_DIR: servers.tempDir() };
    const first = await servers.start(env);
    const browser = request.agent(first.url);

    const created = await register(browser, 'Ada Lovelace');
    expect(created.status).toBe(303);
    const before = await browser.get('/');
    expect(before.status).toBe(200);
    expect(before.text).toContain('Ada Lovelace');

    const secretFile = join(env.DATA_DIR, 'session-secret');
    const secret = statSync(secretFile);
    expect(secret.isFile()).toBe(true);
    expect(secret.mode & 0o777).toBe(0o600);

    first.kill('SIGTERM');
    expect(await exitWithin(first, 5_000)).toEqual({ code: 0, signal: null });

    const second = await restart(servers, first, env);
    expect(second.stdout).toContain(`data: ${env.DATA_DIR}`);
    const after = await browser.get('/');
    expect(after.status).toBe(200);
    expect(after.text).toContain('Ada Lovelace');
    expect(statSync(secretFile).mtimeMs).toBe(secret.mtimeMs);
  });
});

describe.concurrent('a developer runs with SESSION_STORE=memory', () => {
  it('starts and reports healthy', async (ctx) => {
    const { expect } = ctx;
    const servers = useServers(ctx);
    const server = await servers.start({
      DATA_DIR: servers.tempDir(),
      SESSION_SECRET: SECRET,
      SESSION_STORE: 'memory',
    });
    expect(server.stdout).toContain('sessions: memory');
    const res = await request(server.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      info: { sessions: { status: 'up' }, accounts: { status: 'up' } },
    });
  });
});

describe.concurrent('an operator with a bad configuration gets one clear line and exit 1', () => {
  const cases: { story: string; env: (dir: string) => Record<string, string>; line: RegExp }[] = [
    {
      story: 'an unknown SESSION_STORE',
      env: () => ({ SESSION_STORE: 'nope' }),
      line: /SESSION_STORE must be sqlite, redis, postgres or memory \(got "nope"\)/,
    },
    {
      story: 'an unparsable SESSION_IDLE_TIMEOUT',
      env: () => ({ SESSION_IDLE_TIMEOUT: 'abc' }),
      line: /SESSION_IDLE_TIMEOUT must be a positive whole number of seconds \(got "abc"\)/,
    },
    {
      story: 'a PORT out of range',
      env: () => ({ PORT: '99999' }),
      line: /PORT must be a port number 0-65535 \(got "99999"\)/,
    },
    {
      story: 'NODE_ENV=production without SESSION_SECRET',
      env: () => ({ NODE_ENV: 'production', SESSION_SECRET: '' }),
      line: /SESSION_SECRET is required when NODE_ENV=production/,
    },
    {
      story: 'a DATA_DIR under a regular file',
      env: (dir) => {
        writeFileSync(join(dir, 'afile'), 'not a directory');
        return { DATA_DIR: join(dir, 'afile', 'sub') };
      },
      line: /DATA_DIR \/\S+\/afile\/sub is not a writable directory \(ENOTDIR\)/,
    },
    {
      story: 'a SESSION_PURGE_INTERVAL longer than a timer can wait',
      env: () => ({ SESSION_PURGE_INTERVAL: '3000000' }),
      line: /SESSION_PURGE_INTERVAL must be a positive whole number of seconds, at most 2147483 \(got "3000000"\)/,
    },
    {
      story: 'a DATABASE_URL that is not PostgreSQL',
      env: () => ({ DATABASE_URL: 'mysql://x' }),
      line: /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL, or unset to keep accounts in DATA_DIR/,
    },
    {
      story: 'a METRICS_PORT that is no port',
      env: () => ({ METRICS_PORT: 'prometheus' }),
      line: /METRICS_PORT must be a port number 1-65535 \(got "prometheus"\)/,
    },
    {
      story: 'a REDIS_SENTINELS entry without a port',
      env: () => ({ SESSION_STORE: 'redis', REDIS_SENTINELS: 'sentinel-1:26379,sentinel-2' }),
      line: /REDIS_SENTINELS must be a comma-separated list of host:port \(got "sentinel-1:26379,sentinel-2"\)/,
    },
    {
      story: 'a SESSION_SECRET list with an empty entry',
      env: () => ({ SESSION_SECRET: 'a,,b' }),
      line: /SESSION_SECRET must be a comma-separated list without empty entries/,
    },
  ];

  it.for(cases)('$story', async ({ env, line }, ctx) => {
    const { expect } = ctx;
    const servers = useServers(ctx);
    const dir = servers.tempDir();
    const startedAt = Date.now();
    const server = await servers.spawn({ DATA_DIR: dir, SESSION_SECRET: SECRET, ...env(dir) });
    expect(await failureOf(server, 10_000)).toEqual({
      code: 1,
      signal: null,
      stderr: [expect.stringMatching(new RegExp(`^Configuration error: ${line.source}$`))],
    });
    expect(server.stdout).not.toContain('Listening on');
    expect(Date.now() - startedAt).toBeLessThan(8_000);
  });
});

// Not concurrent: start-up is CPU-bound until the connection fails, and the bound is 10 s.
describe('an operator points the server at a service that does not answer', () => {
  const cases: { story: string; env: Record<string, string>; line: RegExp }[] = [
    {
      story: 'a DATABASE_URL nothing listens on: one line naming the database, not its password',
      env: { DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/x' },
      line: /cannot use PostgreSQL database postgres:\/\/postgres@127\.0\.0\.1:1\/x: .*ECONNREFUSED.*/,
    },
    {
      story: 'a REDIS_URL nothing listens on: one line naming Redis, not its password',
      env: { SESSION_STORE: 'redis', REDIS_URL: 'redis://:s3cret@127.0.0.1:1' },
      line: /cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: .*ECONNREFUSED.*/,
    },
    {
      story: 'REDIS_SENTINELS none of which answers: one line naming them',
      env: { SESSION_STORE: 'redis', REDIS_SENTINELS: '127.0.0.1:1,127.0.0.1:2' },
      line: /cannot connect to Redis through the Sentinels 127\.0\.0\.1:1,127\.0\.0\.1:2 \(master mymaster\): .*ECONNREFUSED.*/,
    },
    {
      story: 'REDIS_CLUSTER_NODES none of which answers: one line naming them, not the password',
      env: {
        SESSION_STORE: 'redis',
        REDIS_URL: 'redis://:s3cret@127.0.0.1:1',
        REDIS_CLUSTER_NODES: '127.0.0.1:1',
      },
      line: /cannot connect to Redis Cluster at 127\.0\.0\.1:1: .*ECONNREFUSED.*/,
    },
  ];

  it.for(cases)('$story', async ({ env, line }, ctx) => {
    const { expect } = ctx;
    const servers = useServers(ctx);
    const startedAt = Date.now();
    const server = await servers.spawn({
      DATA_DIR: servers.tempDir(),
      SESSION_SECRET: SECRET,
      ...env,
    });
    expect(await failureOf(server, 10_000)).toEqual({
      code: 1,
      signal: null,
      stderr: [expect.stringMatching(new RegExp(`^Start-up failed: ${line.source}$`))],
    });
    expect(server.stderr).not.toContain('s3cret');
    expect(server.stdout).not.toContain('Listening on');
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });
});

describe.concurrent('an operator starts a second server on a busy port', () => {
  it('gets one line naming the port and exit 1', async (ctx) => {
    const { expect } = ctx;
    const servers = useServers(ctx);
    const first = await servers.start({ DATA_DIR: servers.tempDir(), SESSION_SECRET: SECRET });
    const second = await servers.spawn({
      DATA_DIR: servers.tempDir(),
      SESSION_SECRET: SECRET,
      PORT: String(first.port),
    });
    expect(await failureOf(second, 15_000)).toEqual({
      code: 1,
      signal: null,
      stderr: [
        expect.stringMatching(new RegExp(`^Cannot listen on port ${first.port}: .*EADDRINUSE`)),
      ],
    });
  });
});

describe('an operator stops the server with SIGTERM', () => {
  it('exits 0 promptly even while a browser holds an idle keep-alive connection', async (ctx) => {
    const { expect } = ctx;
    const servers = useServers(ctx);
    const server = await servers.start({ DATA_DIR: servers.tempDir(), SESSION_SECRET: SECRET });
    const keepAlive = new Agent({ keepAlive: true });
    ctx.onTestFinished(() => keepAlive.destroy());

    const status = await new Promise<number>((resolve, reject) => {
      get(`${server.url}/health`, { agent: keepAlive }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      }).on('error', reject);
    });
    expect(status).toBe(200);
    // The socket now sits idle in the agent's pool, still connected to the server.
    expect(Object.values(keepAlive.freeSockets).flat()).toHaveLength(1);

    const signalledAt = Date.now();
    server.kill('SIGTERM');
    const exit = await exitWithin(server, 5_000);
    expect(Date.now() - signalledAt).toBeLessThan(3_000);
    expect({ ...exit, stderr: server.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('answers a sign-up that was in flight, keeps its session, then exits 0', async (ctx) => {
    const { expect } = ctx;
    const servers = useServers(ctx);
    const env = { DATA_DIR: servers.tempDir(), SESSION_SECRET: SECRET };
    const server = await servers.start(env);
    const browser = request.agent(server.url);
    const form = await browser.get('/register');
    expect(form.status).toBe(200);

    // scrypt makes POST /register take tens of milliseconds: SIGTERM lands in the middle.
    const response = browser
      .post('/register')
      .type('form')
      .send({ name: 'inflight', password: 'correct horse', _csrf: csrfToken(form.text) })
      .then((res) => ({ res, at: Date.now() }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const signalledAt = Date.now();
    server.kill('SIGTERM');

    const { res, at: answeredAt } = await response;
    expect(answeredAt).toBeGreaterThanOrEqual(signalledAt); // it really was still in flight
    expect({ status: res.status, location: res.headers.location as unknown }).toEqual({
      status: 303,
      location: '/',
    });
    const exit = await exitWithin(server, 5_000);
    expect({ ...exit, stderr: server.stderr }).toEqual({ code: 0, signal: null, stderr: '' });

    // The session was written before the store closed.
    await restart(servers, server, env);
    expect(await whoAmI(browser)).toEqual({ status: 200, body: { name: 'inflight' } });
  });
});
