import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from './utils/forms.js';
import { killAllServers, ServerScope, type ServerProcess } from './utils/server-process.js';

/**
 * The logs of `node dist/main.js` as an operator reads them: one JSON line per request, the
 * authentication events, and nothing anyone could sign in or hijack a session with.
 */

const FIRST_PASSWORD = 'first-Pa55word-kept-out-of-logs';
const SECOND_PASSWORD = 'second-Pa55word-kept-out-of-logs';
const WRONG_PASSWORD = 'wrong-Pa55word-kept-out-of-logs';
/** Someone typed their password into the name field: it must not be logged either. */
const PASSWORD_AS_NAME = 'name-field-Pa55word-kept-out';

interface LogLine {
  level: string;
  msg?: string;
  reqId?: string;
  method?: string;
  path?: string;
  status?: number;
  responseTime?: number;
  event?: string;
  user?: string;
  [key: string]: unknown;
}

interface SentRequest {
  id: string;
  method: string;
  path: string;
  status: number;
}

afterAll(killAllServers);

const credentials = (password: string) => ({ name: 'Alice Logan', password });

/** Tags every request with its own X-Request-Id and keeps what was sent and every secret seen. */
class Browser {
  private static count = 0;
  readonly agent: request.Agent;
  /** Cookie values, raw session ids and CSRF tokens this browser was given. */
  readonly secrets = new Set<string>();

  constructor(
    url: string,
    private readonly sent: SentRequest[],
  ) {
    this.agent = request.agent(url);
  }

  get(path: string) {
    return this.track(this.agent.get(path), 'GET', path);
  }

  /** POSTs a form with the CSRF token of `page`, as a browser that has it open would. */
  async submit(page: string, action: string, fields: Record<string, string> = {}) {
    const form = await this.get(page);
    return this.track(
      this.agent
        .post(action)
        .type('form')
        .send({ ...fields, _csrf: csrfToken(form.text) }),
      'POST',
      action,
    );
  }

  private async track(test: request.Test, method: string, path: string) {
    const id = `logs-test-${++Browser.count}`;
    const res = await test.set('X-Request-Id', id);
    this.sent.push({ id, method, path: path.split('?')[0], status: res.status });
    this.remember(res);
    return res;
  }

  private remember(res: request.Response): void {
    const cookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
    for (const line of cookies) {
      const value = line.split(';')[0].split('=').slice(1).join('=');
      if (value === '') continue;
      this.secrets.add(value);
      const decoded = decodeURIComponent(value);
      this.secrets.add(decoded);
      // A signed session cookie is `s:<id>.<signature>`: the id alone must not appear either.
      if (decoded.startsWith('s:')) this.secrets.add(decoded.slice(2, decoded.lastIndexOf('.')));
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.text ?? '');
    if (token) this.secrets.add(token[1]);
  }
}

/** Every stdout line, parsed; a line that is not JSON fails the test. */
function logLines(server: ServerProcess): LogLine[] {
  return server.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

/** The process writes asynchronously to the pipe: wait until `done` holds or give up. */
async function until(done: () => boolean, ms = 3_000): Promise<void> {
  const started = Date.now();
  while (!done() && Date.now() - started < ms) await new Promise((r) => setTimeout(r, 20));
}

describe('an operator reads the logs of a session of sign-ins, revocations and sign-outs', () => {
  const scope = new ServerScope();
  const sent: SentRequest[] = [];
  let server: ServerProcess;
  let alice: Browser;
  let phone: Browser;
  let lines: LogLine[];

  beforeAll(async () => {
    server = await scope.start({
      DATA_DIR: scope.tempDir(),
      SESSION_SECRET: 'logs-test-secret',
      LOG_LEVEL: 'info',
    });
    alice = new Browser(server.url, sent);
    phone = new Browser(server.url, sent);
    const stranger = new Browser(server.url, sent);

    await alice.submit('/register', '/register', credentials(FIRST_PASSWORD));
    await alice.get('/');
    await stranger.submit('/login', '/login', { name: PASSWORD_AS_NAME, password: FIRST_PASSWORD });
    await phone.submit('/login', '/login', { ...credentials(WRONG_PASSWORD), remember: '1' });
    await phone.submit('/login', '/login', { ...credentials(FIRST_PASSWORD), remember: '1' });
    const sessions = await alice.get('/sessions');
    const revoke = /action="(\/sessions\/[^"/]+\/revoke)"/.exec(sessions.text)?.[1] ?? '/none';
    await alice.submit('/sessions', revoke);
    await phone.get('/api/me');
    const change = { current_password: FIRST_PASSWORD, new_password: SECOND_PASSWORD };
    await alice.submit('/account', '/account/password', change);
    await alice.submit('/', '/logout');
    await alice.get('/no/such/page?token=abc');

    await until(
      () => logLines(server).filter((line) => line.status !== undefined).length >= sent.length,
    );
    lines = logLines(server);
  }, 60_000);
  afterAll(() => scope.cleanup());

  it('went through the story as planned', () => {
    expect(sent.map(({ method, path, status }) => `${status} ${method} ${path}`)).toEqual([
      '200 GET /register',
      '303 POST /register',
      '200 GET /',
      '200 GET /login',
      '401 POST /login',
      '200 GET /login',
      '401 POST /login',
      '200 GET /login',
      '303 POST /login',
      '200 GET /sessions',
      '200 GET /sessions',
      expect.stringMatching(/^303 POST \/sessions\/[\w-]+\/revoke$/),
      '401 GET /api/me',
      '200 GET /account',
      '303 POST /account/password',
      '200 GET /',
      '303 POST /logout',
      '404 GET /no/such/page',
    ]);
  });

  it('writes exactly one line per request, with its id, method, path, status and duration', () => {
    for (const { id, method, path, status } of sent) {
      const requestLines = lines.filter((line) => line.reqId === id && line.status !== undefined);
      expect(requestLines, `${method} ${path}`).toHaveLength(1);
      expect(requestLines[0]).toMatchObject({ method, path, status });
      expect(requestLines[0].responseTime).toEqual(expect.any(Number));
    }
    expect(lines.find((line) => line.path === '/no/such/page')?.level).toBe('warn');
  });

  it('records each authentication event once, by user id, in the request that caused it', () => {
    const registered = lines.find((line) => line.event === 'registered');
    const user = registered?.user;
    expect(user).toEqual(expect.any(String));
    const events = lines
      .filter((line) => line.event !== undefined)
      .map(({ event, user: who, reason, reqId }) => {
        const cause = sent.find((call) => call.id === reqId);
        return { event, user: who, reason, by: cause && `${cause.method} ${cause.path}` };
      });
    const revoke = sent.find((call) => call.path.endsWith('/revoke'))?.path;
    expect(events).toEqual([
      { event: 'registered', user, reason: undefined, by: 'POST /register' },
      { event: 'sign-in-failed', user: undefined, reason: 'unknown-name', by: 'POST /login' },
      { event: 'sign-in-failed', user, reason: 'wrong-password', by: 'POST /login' },
      { event: 'sign-in', user, reason: undefined, by: 'POST /login' },
      { event: 'session-revoked', user, reason: undefined, by: `POST ${revoke}` },
      { event: 'password-changed', user, reason: undefined, by: 'POST /account/password' },
      { event: 'sign-out', user, reason: undefined, by: 'POST /logout' },
    ]);
  });

  it('never writes a password, a name typed at sign-in, a cookie, a session id or a CSRF token', () => {
    const secrets = [
      FIRST_PASSWORD,
      SECOND_PASSWORD,
      WRONG_PASSWORD,
      PASSWORD_AS_NAME,
      ...alice.secrets,
      ...phone.secrets,
    ];
    expect(alice.secrets.size).toBeGreaterThan(3);
    for (const line of server.stdout.split('\n')) {
      for (const secret of secrets) expect(line).not.toContain(secret);
      expect(line.toLowerCase()).not.toContain('cookie');
      expect(line).not.toContain('token=abc');
    }
    expect(server.stderr).toBe('');
  });
});

describe('an operator sets LOG_LEVEL=warn', () => {
  const scope = new ServerScope();
  afterAll(() => scope.cleanup());

  it('sees refusals and errors only', async () => {
    const server = await scope.spawn({
      DATA_DIR: scope.tempDir(),
      SESSION_SECRET: 'logs-test-secret',
      LOG_LEVEL: 'warn',
    });
    // Quiet at this level, "Listening on" included: ask the server instead.
    let health = 0;
    for (let i = 0; i < 200 && health !== 200; i++) {
      health = await request(server.url)
        .get('/health')
        .then((res) => res.status)
        .catch(() => 0);
      if (health !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(health).toBe(200);
    expect((await request(server.url).get('/login')).status).toBe(200);
    expect((await request(server.url).get('/nowhere')).status).toBe(404);

    await until(() => logLines(server).some((line) => line.path === '/nowhere'));
    expect(logLines(server).map(({ level, path, status }) => ({ level, path, status }))).toEqual([
      { level: 'warn', path: '/nowhere', status: 404 },
    ]);
  });
});
