import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SESSION_STORE, UserStore, type ManagedSessionStore } from 'nest-session-auth';
import { createTestApp, type TestApp } from './utils/create-test-app.js';
import { register, signIn } from './utils/forms.js';

const STACK_FRAME = /at .+\(.+:\d+:\d+\)/;

describe('when a dependency fails at run time', () => {
  let t: TestApp;
  let store: ManagedSessionStore;
  let users: UserStore;
  let signedIn: ReturnType<TestApp['agent']>;

  beforeAll(async () => {
    t = await createTestApp();
    store = t.app.get(SESSION_STORE);
    users = t.app.get(UserStore);
    signedIn = t.agent();
    await register(signedIn, 'alice');
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => t.close());

  function breakSessionStore() {
    const failure = new Error('SQLITE_IOERR: disk I/O error');
    vi.spyOn(store, 'get').mockImplementation((_sid, callback) =>
      process.nextTick(callback, failure),
    );
    vi.spyOn(store, 'set').mockImplementation((_sid, _data, callback) =>
      process.nextTick(callback!, failure),
    );
    vi.spyOn(store, 'destroy').mockImplementation((_sid, callback) =>
      process.nextTick(callback!, failure),
    );
    vi.spyOn(store, 'ping').mockRejectedValue(failure);
  }

  it('answers 503 pages and JSON, not a 500 and not "signed out", then recovers by itself', async () => {
    breakSessionStore();
    const page = await signedIn.get('/');
    expect(page.status).toBe(503);
    expect(page.headers['retry-after']).toBeDefined();
    expect(page.text).toContain('Sessions are unavailable');
    expect(page.text).not.toMatch(STACK_FRAME);
    const api = await signedIn.get('/api/me');
    expect(api.status).toBe(503);
    expect(api.body).toMatchObject({ statusCode: 503 });

    vi.restoreAllMocks();
    expect((await signedIn.get('/api/me')).body).toEqual({ name: 'alice' });
  });

  it('answers 503 when the session cannot be saved at sign-in, and does not redirect as if it had been', async () => {
    await register(t.agent(), 'bob');
    breakSessionStore();
    // The form page itself needs no session, so the failure shows at the POST.
    const res = await signIn(t.agent(), 'bob');
    expect(res.status).toBe(503);
    expect(res.headers.location).toBeUndefined();
  });

  it('answers 503 at sign-in when the accounts database fails, and keeps serving', async () => {
    vi.spyOn(users, 'findByName').mockRejectedValue(new Error('SQLITE_CANTOPEN'));
    const res = await signIn(t.agent(), 'alice');
    expect(res.status).toBe(503);
    expect(res.text).toContain('Accounts are unavailable');
    vi.restoreAllMocks();
    expect((await signIn(t.agent(), 'alice')).status).toBe(303);
  });

  it('reports readiness per dependency in terminus shape: 200 when both answer, 503 naming the one that does not; liveness stays 200', async () => {
    const up = { status: 'up', responseTime: expect.any(Number) };
    const healthy = {
      status: 200,
      body: {
        status: 'ok',
        info: { sessions: up, accounts: up },
        error: {},
        details: { sessions: up, accounts: up },
      },
    };
    for (const path of ['/health/ready', '/health']) {
      const ready = await t.agent().get(path);
      expect({ status: ready.status, body: ready.body as unknown }).toEqual(healthy);
    }

    vi.spyOn(users, 'ping').mockRejectedValue(new Error('down'));
    const accountsDown = await t.agent().get('/health/ready');
    expect(accountsDown.status).toBe(503);
    expect(accountsDown.body).toMatchObject({
      status: 'error',
      info: { sessions: { status: 'up' } },
      error: { accounts: { status: 'down' } },
    });
    expect((await t.agent().get('/health/live')).status).toBe(200);
    vi.restoreAllMocks();

    vi.spyOn(store, 'ping').mockReturnValue(new Promise(() => undefined));
    const sessionsHang = await t.agent().get('/health');
    expect(sessionsHang.status).toBe(503);
    expect(sessionsHang.body).toMatchObject({
      error: { sessions: { status: 'down' } },
      info: { accounts: { status: 'up' } },
    });
    const live = await t.agent().get('/health/live');
    expect({ status: live.status, body: live.body as unknown }).toEqual({
      status: 200,
      body: { status: 'ok', info: {}, error: {}, details: {} },
    });
  });
});

describe('pages that do not exist', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('answers 404 with a readable page for browsers and JSON for API callers', async () => {
    const page = await t.agent().get('/no/such/page');
    expect(page.status).toBe(404);
    expect(page.text).toContain('Page not found');
    const api = await t.agent().get('/api/nothing-here');
    expect(api.status).toBe(404);
    expect(api.body).toMatchObject({ statusCode: 404, error: 'Page not found' });
  });
});
