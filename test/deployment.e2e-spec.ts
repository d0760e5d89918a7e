import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, it, type TestContext } from 'vitest';
import { MIN_SECRET_LENGTH } from '../src/config/app-config.js';
import { register } from './utils/forms.js';
import {
  exitWithin,
  killAllServers,
  ServerScope,
  type ServerProcess,
} from './utils/server-process.js';

/** `node dist/main.js` as an operator deploys it: production settings and the files it leaves. */

const SECRET = 'deployment-test-secret'.padEnd(MIN_SECRET_LENGTH, '-');

afterAll(killAllServers);

/** This test's servers and temp dirs, killed and removed when it finishes (pass or fail). */
function useServers({ onTestFinished }: Pick<TestContext, 'onTestFinished'>): ServerScope {
  const scope = new ServerScope();
  onTestFinished(() => scope.cleanup());
  return scope;
}

/** The non-empty lines a process wrote to stderr. */
const stderrLines = (server: ServerProcess) =>
  server.stderr.split('\n').filter((text) => text.trim() !== '');

/** Permission bits, as `ls -l` would show them in octal. */
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe.concurrent('an operator starts in production with an unsafe setting', () => {
  const cases: { story: string; env: Record<string, string>; line: RegExp }[] = [
    {
      story: 'a one-character SESSION_SECRET: one line naming SESSION_SECRET and the rule',
      env: { SESSION_SECRET: 'a' },
      line: /SESSION_SECRET entries must each be at least 32 characters when NODE_ENV=production .*/,
    },
    {
      story: 'TRUST_PROXY=true: one line naming TRUST_PROXY and suggesting a hop count',
      env: { TRUST_PROXY: 'true' },
      line: /TRUST_PROXY=true is refused when NODE_ENV=production: .*\(e\.g\. TRUST_PROXY=1\).*/,
    },
  ];

  it.for(cases)('$story, and exit 1', async ({ env, line }, ctx) => {
    const { expect } = ctx;
    const servers = useServers(ctx);
    const server = await servers.spawn({
      DATA_DIR: servers.tempDir(),
      NODE_ENV: 'production',
      SESSION_SECRET: SECRET,
      ...env,
    });
    const status = await exitWithin(server, 10_000);
    expect({ ...status, stderr: stderrLines(server) }).toEqual({
      code: 1,
      signal: null,
      stderr: [expect.stringMatching(new RegExp(`^Configuration error: ${line.source}$`))],
    });
    expect(server.stdout).not.toContain('Listening on');
  });
});

describe.concurrent('a developer behind a local proxy sets TRUST_PROXY=true', () => {
  it('starts, with one warning line that suggests a hop count', async (ctx) => {
    const { expect } = ctx;
    const servers = useServers(ctx);
    const server = await servers.start({
      DATA_DIR: servers.tempDir(),
      SESSION_SECRET: SECRET,
      TRUST_PROXY: 'true',
    });
    expect(stderrLines(server)).toEqual([
      expect.stringMatching(/^Configuration warning: TRUST_PROXY=true .*TRUST_PROXY=1\b/),
    ]);
    expect((await request(server.url).get('/health')).status).toBe(200);
  });
});

describe.concurrent('a fresh DATA_DIR after the first sign-up', () => {
  it('is 0700, and every file in it (databases, their WAL files, the secret) is 0600', async (ctx) => {
    const { expect } = ctx;
    const servers = useServers(ctx);
    const dataDir = join(servers.tempDir(), 'data');
    // No SESSION_SECRET: the generated one is kept in DATA_DIR too.
    const server = await servers.start({ DATA_DIR: dataDir });
    expect((await register(request.agent(server.url), 'first-user')).status).toBe(303);

    // Read while the server runs: SQLite removes -wal and -shm files when it closes cleanly.
    const files = readdirSync(dataDir);
    expect(files).toEqual(
      expect.arrayContaining([
        'accounts.db',
        'accounts.db-shm',
        'accounts.db-wal',
        'session-secret',
        'sessions.db',
        'sessions.db-shm',
        'sessions.db-wal',
      ]),
    );
    expect({
      [dataDir]: modeOf(dataDir),
      ...Object.fromEntries(files.map((file) => [file, modeOf(join(dataDir, file))])),
    }).toEqual({
      [dataDir]: '700',
      ...Object.fromEntries(files.map((file) => [file, '600'])),
    });
  });
});
