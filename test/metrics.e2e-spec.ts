import { createServer } from 'node:net';
import request from 'supertest';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { register, signIn } from './utils/forms.js';
import {
  exitWithin,
  freePort,
  killAllServers,
  ServerScope,
  type ServerProcess,
} from './utils/server-process.js';

afterAll(killAllServers);

function useServers({ onTestFinished }: Pick<TestContext, 'onTestFinished'>): ServerScope {
  const scope = new ServerScope();
  onTestFinished(() => scope.cleanup());
  return scope;
}

/** One scrape: each sample's value by its name and labels as written, `name{a="x",b="y"}`. */
async function scrape(port: number): Promise<Map<string, number>> {
  const res = await request(`http://127.0.0.1:${port}`).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of res.text.split('\n')) {
    const match = /^([^#\s][^\s]*) (\S+)$/.exec(line);
    if (match) samples.set(match[1], Number(match[2]));
  }
  return samples;
}

/** How much each of `series` moved between two scrapes (absent counts as 0). */
const moved = (before: Map<string, number>, after: Map<string, number>, series: string[]) =>
  Object.fromEntries(
    series.map((name) => [name, (after.get(name) ?? 0) - (before.get(name) ?? 0)]),
  );

const SECRET = 'metrics-test-secret';

describe.concurrent('an operator scrapes Prometheus metrics on METRICS_PORT', () => {
  it('sees sign-up, sign-in, a failed sign-in and 5 page views move the series by exactly that much, on its own port only', async (ctx) => {
    const servers = useServers(ctx);
    const metricsPort = await freePort();
    const server: ServerProcess = await servers.start({
      DATA_DIR: servers.tempDir(),
      SESSION_SECRET: SECRET,
      METRICS_PORT: String(metricsPort),
    });
    expect(server.stdout).toContain(`metrics: port ${metricsPort}`);
    const before = await scrape(metricsPort);
    expect(before.get('sessions')).toBe(0);
    expect(before.get('password_hash_queue_length')).toBe(0);
    const processDefaults = [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ];
    expect(processDefaults.filter((name) => !before.has(name))).toEqual([]);

    const browser = request.agent(server.url);
    expect((await register(browser, 'operator')).status).toBe(303);
    expect((await signIn(request.agent(server.url), 'operator')).status).toBe(303);
    expect((await signIn(request.agent(server.url), 'operator', 'wrong horse')).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await browser.get('/')).status).toBe(200);
    expect((await browser.get('/nowhere')).status).toBe(404);
    const after = await scrape(metricsPort);

    expect(
      moved(before, after, [
        'auth_attempts_total{kind="register",outcome="success"}',
        'auth_attempts_total{kind="sign_in",outcome="success"}',
        'auth_attempts_total{kind="sign_in",outcome="failure"}',
        'auth_attempts_total{kind="sign_in",outcome="throttled"}',
        'auth_attempts_total{kind="password_change",outcome="success"}',
        'http_request_duration_seconds_count{method="GET",route="/",status="200"}',
        'http_request_duration_seconds_count{method="POST",route="/register",status="303"}',
        'http_request_duration_seconds_count{method="POST",route="/login",status="303"}',
        'http_request_duration_seconds_count{method="POST",route="/login",status="401"}',
        'http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}',
        'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/",status="200"}',
      ]),
    ).toEqual({
      'auth_attempts_total{kind="register",outcome="success"}': 1,
      'auth_attempts_total{kind="sign_in",outcome="success"}': 1,
      'auth_attempts_total{kind="sign_in",outcome="failure"}': 1,
      'auth_attempts_total{kind="sign_in",outcome="throttled"}': 0,
      'auth_attempts_total{kind="password_change",outcome="success"}': 0,
      'http_request_duration_seconds_count{method="GET",route="/",status="200"}': 5,
      'http_request_duration_seconds_count{method="POST",route="/register",status="303"}': 1,
      'http_request_duration_seconds_count{method="POST",route="/login",status="303"}': 1,
      'http_request_duration_seconds_count{method="POST",route="/login",status="401"}': 1,
      'http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}': 1,
      'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/",status="200"}': 5,
    });
    // Each signed-in page view reads its session from the store, timed per call.
    const storeGets = 'session_store_duration_seconds_count{store="sqlite",operation="get"}';
    expect(moved(before, after, [storeGets])[storeGets]).toBeGreaterThanOrEqual(5);
    expect(after.get('sessions')).toBeGreaterThanOrEqual(0);
    // No raw paths: every route label is a pattern.
    expect([...after.keys()].filter((name) => name.includes('/nowhere'))).toEqual([]);

    // Never on the public port, and nothing but /metrics on its own.
    expect((await request(server.url).get('/metrics')).status).toBe(404);
    const own = request(`http://127.0.0.1:${metricsPort}`);
    expect((await own.get('/')).status).toBe(404);
    expect((await own.post('/metrics')).status).toBe(405);
  });

  it('without METRICS_PORT, serves no metrics and announces none', async (ctx) => {
    const servers = useServers(ctx);
    const server = await servers.start({ DATA_DIR: servers.tempDir(), SESSION_SECRET: SECRET });
    expect((await request(server.url).get('/metrics')).status).toBe(404);
    expect(server.stdout).not.toContain('metrics');
  });

  it('stops with one clear line and exit 1 when METRICS_PORT is taken', async (ctx) => {
    const servers = useServers(ctx);
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    ctx.onTestFinished(() => void taken.close());
    const port = (taken.address() as { port: number }).port;
    const server = await servers.spawn({
      DATA_DIR: servers.tempDir(),
      SESSION_SECRET: SECRET,
      HOST: '127.0.0.1',
      METRICS_PORT: String(port),
    });
    const status = await exitWithin(server, 15_000);
    expect({ ...status, stderr: server.stderr.trim().split('\n') }).toEqual({
      code: 1,
      signal: null,
      stderr: [
        expect.stringMatching(new RegExp(`^Cannot listen on METRICS_PORT ${port}: .*EADDRINUSE`)),
      ],
    });
  });
});
