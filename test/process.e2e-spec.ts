import { statSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
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

async function signedInAs(agent: request.Agent, name: string): Promise<void> {
  const me = await agent.get('/api/me');
  expect(me.status, `GET /api/me for ${name}: ${me.text}`).toBe(200);
  expect(me.body).toEqual({ name });
}

describe('an operator with a bad configuration gets one clear line and a non-zero exit', () => {
  const notADirectory = () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'afile'), 'not a directory');
    return join(dir, 'afile', 'sub');
  };

  const cases: { story: string; env: () => Record<string, string>; names: RegExp }[] = [
    {
      story: 'an unknown SESSION_STORE',
      env: () => ({ SESSION_STORE: 'nope' }),
      names: /SESSION_STORE must be sqlite, redis or memory \(got "nope"\)/,
    },
    {
      story: 'an unparsable SESSION_IDLE_TIMEOUT',
      env: () => ({ SESSION_IDLE_TIMEOUT: 'abc' }),
      names: /SESSION_IDLE_TIMEOUT must be a positive whole number of seconds \(got "abc"\)/,
    },
    {
      story: 'a PORT out of range',
      env: () => ({ PORT: '99999' }),
      names: /PORT must be a port number 0-65535 \(got "99999"\)/,
    },
    {
      story: 'NODE_ENV=production without SESSION_SECRET',
      env: () => ({ NODE_ENV: 'production', SESSION_SECRET: '' }),
      names: /SESSION_SECRET is required when NODE_ENV=production/,
    },
    {
      story: 'a DATA_DIR that cannot be created (a path under a regular file)',
      env: () => ({ DATA_DIR: notADirectory() }),
      names: /DATA_DIR \S+afile\/sub is not a writable directory \(ENOTDIR\)/,
    },
    {
      story: 'a SESSION_SECRET list with an empty entry',
      env: () => ({ SESSION_SECRET: 'a,,b' }),
      names: /SESSION_SECRET must be a comma-separated list without empty entries/,
    },
  ];

  it.concurrent.for(cases)('$story', async ({ env, names }, { expect }) => {
    const startedAt = Date.now();
    const server = await spawnServer({
      DATA_DIR: tempDir(),
      SESSION_SECRET: 'process-test-secret',
      ...env(),
    });
    const status = await exitWithin(server, 10_000);
    const elapsed = Date.now() - startedAt;

    expect(status.code, server.stderr).not.toBe(0);
    expect(status.code).not.toBeNull();
    const lines = server.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines, server.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^Configuration error: /);
    expect(lines[0]).toMatch(names);
    expect(server.stdout).not.toContain('Listening on');
    expect(elapsed).toBeLessThan(5_000);
  });
});

describe('an operator stops the server with SIGTERM', () => {
  afterEach(cleanupServers);

  it('exits 0 promptly even while a browser holds an idle keep-alive connection', async () => {
    const server = await start();
    const keepAlive = new Agent({ keepAlive: true });
    try {
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
      expect(exit, server.stderr).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(3_000);
      expect(server.stderr).toBe('');
    } finally {
      keepAlive.destroy();
    }
  });

  it('answers a sign-up that was in flight, keeps its session, then exits 0', async () => {
    const env = { DATA_DIR: tempDir(), SESSION_SECRET: 'process-test-secret' };
    const server = await startServer(env);
    const browser = request.agent(server.url);
    const form = await browser.get('/register');
    expect(form.status).toBe(200);

    // scrypt makes POST /register take tens of milliseconds: SIGTERM lands in the middle.
    const response = browser
      .post('/register')
      .type('form')
      .send({ name: 'inflight', password: 'correct horse', _csrf: csrfToken(form.text) })
      .then((res) => res);
    await new Promise((resolve) => setTimeout(resolve, 10));
    server.kill('SIGTERM');

    const res = await response;
    expect(res.status, res.text).toBe(303);
    expect(res.headers.location).toBe('/');
    const exit = await exitWithin(server, 5_000);
    expect(exit, server.stderr).toEqual({ code: 0, signal: null });
    expect(server.stderr).toBe('');

    // The session was written before the store closed.
    await restart(server, env);
    await signedInAs(browser, 'inflight');
  });
});

describe('a developer restarts the server on the same DATA_DIR without SESSION_SECRET', () => {
  afterEach(cleanupServers);

  it('keeps the browser signed in, with the generated secret stored 0600 in DATA_DIR', async () => {
    const env = { DATA_DIR: tempDir() };
    const first = await startServer(env);
    const browser = request.agent(first.url);

    const created = await register(browser, 'Ada Lovelace');
    expect(created.status, created.text).toBe(303);
    const before = await browser.get('/');
    expect(before.status).toBe(200);
    expect(before.text).toContain('Ada Lovelace');

    const secretFile = join(env.DATA_DIR, 'session-secret');
    const secretStat = statSync(secretFile);
    expect(secretStat.isFile()).toBe(true);
    expect(secretStat.mode & 0o777).toBe(0o600);

    first.kill('SIGTERM');
    expect(await exitWithin(first, 5_000)).toEqual({ code: 0, signal: null });

    await restart(first, env);
    const after = await browser.get('/');
    expect(after.status, after.text).toBe(200);
    expect(after.text).toContain('Ada Lovelace');
    expect(statSync(secretFile).mtimeMs).toBe(secretStat.mtimeMs);
  });
});

describe('the server is killed with SIGKILL right after answering a sign-in', () => {
  afterEach(cleanupServers);

  it('loses none of the acknowledged sessions', async () => {
    const env = { DATA_DIR: tempDir(), SESSION_SECRET: 'process-test-secret' };
    let server = await startServer(env);
    const signedIn: { agent: request.Agent; name: string }[] = [];

    // Three sign-ups, then two sign-ins (one remembered) by other browsers of existing users.
    const rounds: ((agent: request.Agent) => Promise<{ name: string; res: request.Response }>)[] = [
      async (agent) => ({ name: 'user0', res: await register(agent, 'user0') }),
      async (agent) => ({ name: 'user1', res: await register(agent, 'user1') }),
      async (agent) => ({ name: 'user2', res: await register(agent, 'user2') }),
      async (agent) => ({
        name: 'user0',
        res: await signIn(agent, 'user0', 'correct horse', { remember: 'on' }),
      }),
      async (agent) => ({ name: 'user1', res: await signIn(agent, 'user1') }),
    ];

    for (const [index, round] of rounds.entries()) {
      const agent = request.agent(server.url);
      const { name, res } = await round(agent);
      server.kill('SIGKILL');
      expect(res.status, `round ${index}: ${res.text}`).toBe(303);
      expect(await exitWithin(server, 5_000)).toEqual({ code: null, signal: 'SIGKILL' });
      signedIn.push({ agent, name });

      server = await restart(server, env);
      for (const browser of signedIn) await signedInAs(browser.agent, browser.name);
    }
  });
});

describe('a developer runs with SESSION_STORE=memory', () => {
  afterEach(cleanupServers);

  it('starts and reports healthy', async () => {
    const server = await start({ SESSION_STORE: 'memory' });
    expect(server.stdout).toContain('sessions: memory');
    const res = await request(server.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', checks: { sessions: 'up', accounts: 'up' } });
  });
});
