/**
 * Proof that a fresh Nest app can adopt the package: `npm pack` it, take the app `nest new`
 * generates (ESM, committed under fixtures/, plus the same app as CommonJS), apply the package
 * README's "Install" and "Use it" sections literally (the code blocks are read from the README),
 * install, build, start `node dist/main.js`, and use it over HTTP as a browser and as a JSON
 * client would. Both apps are installed and built at once (the sqlite3 compile dominates).
 * A load spec: it runs alone, after the other suites.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import {
  Browser,
  README,
  REPO,
  enginesExcluding,
  runToEnd,
  teamLines,
  type ReadmeRecipe,
  type Started,
  createApp,
  install,
  packPackage,
  readmeRecipe,
  run,
  sqlitePrebuild,
  start,
} from './consumer-app.js';

const APPS = ['esm-app', 'cjs-app'] as const;
const SECRET = 'consumer-test-secret-0123456789abcdef';
const PASSWORD = 'correct horse battery';

interface Prepared {
  dir: string;
  server: Started;
  /** From the first `npm install` to the protected route's first answer. */
  installToProtectedMs: number;
  installMs: number;
  buildMs: number;
}

let work: string;
let recipe: ReadmeRecipe;
let redisAnswers: boolean;
const apps = new Map<string, Prepared>();

async function prepare(name: string, tarball: string, env: NodeJS.ProcessEnv): Promise<Prepared> {
  const dir = join(work, name);
  await createApp(name, dir, recipe);
  const t0 = performance.now();
  await install(dir, recipe, tarball, env);
  const t1 = performance.now();
  await run('npm', ['run', 'build'], { cwd: dir });
  const t2 = performance.now();
  const server = await start(dir, { SESSION_SECRET: SECRET }, '/me');
  const t3 = performance.now();
  const prepared = {
    dir,
    server,
    installToProtectedMs: t3 - t0,
    installMs: t1 - t0,
    buildMs: t2 - t1,
  };
  // oxlint-disable-next-line no-console -- the measurement is this test's output
  console.log(
    `${name}: npm install → protected route answering: ${(prepared.installToProtectedMs / 1000).toFixed(1)} s` +
      ` (install ${(prepared.installMs / 1000).toFixed(1)} s, build ${(prepared.buildMs / 1000).toFixed(1)} s)`,
  );
  return prepared;
}

function redisPing(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
    socket.connect(6379, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => (socket.destroy(), resolve(data.toString().startsWith('+PONG'))));
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'nsa-consumer-'));
  recipe = await readmeRecipe();
  redisAnswers = await redisPing();
  const tarball = await packPackage(work);
  const env = await sqlitePrebuild(work);
  const ready = await Promise.all(APPS.map((name) => prepare(name, tarball, env)));
  APPS.forEach((name, i) => apps.set(name, ready[i]));
}, 600_000);

afterAll(async () => {
  for (const { server } of apps.values()) server.child.kill('SIGKILL');
  if (work) await rm(work, { recursive: true, force: true, maxRetries: 5 });
});

/** The whole visit: guarded and public routes, styles, sign-up, sign-out and sign-in. */
async function visit(base: string): Promise<void> {
  const browser = new Browser(base);
  const name = `team${Math.random().toString(36).slice(2, 10)}`;

  const html = await browser.get('/me');
  expect(html.status).toBe(303);
  expect(html.headers.get('location')).toBe('/login?next=%2Fme');
  expect((await browser.get('/me', 'application/json')).status).toBe(401);

  const home = await browser.get('/');
  expect(home.status).toBe(200);
  expect(await home.text()).toBe('Hello World!');

  const login = await (await browser.get('/login?next=%2Fme')).text();
  const stylesheet = /<link rel="stylesheet" href="([^"]+)"/.exec(login)?.[1];
  expect(stylesheet).toBeDefined();
  const css = await browser.get(stylesheet!, 'text/css');
  expect(css.status).toBe(200);
  expect(css.headers.get('content-type')).toMatch(/^text\/css/);

  const registered = await browser.submit('/register', '/register', { name, password: PASSWORD });
  expect(registered.status).toBe(303);
  const me = await browser.get('/me', 'application/json');
  expect(me.status).toBe(200);
  expect(await me.json()).toEqual({ name });

  const signedOut = await browser.submit('/logout', '/logout', {});
  expect(signedOut.status).toBe(303);
  expect(signedOut.headers.get('location')).toBe('/login');
  expect((await browser.get('/me', 'application/json')).status).toBe(401);

  const signedIn = await browser.submit('/login?next=%2Fme', '/login', {
    name,
    password: PASSWORD,
    next: '/me',
  });
  expect(signedIn.status).toBe(303);
  expect(signedIn.headers.get('location')).toBe('/me');
  expect((await browser.get('/me', 'application/json')).status).toBe(200);
}

/** SIGTERM: exit code 0, within 10 s. */
async function stop(server: Started): Promise<void> {
  server.child.kill('SIGTERM');
  const code = await Promise.race([
    server.exited,
    new Promise<string>((r) => setTimeout(() => r('still running after 10 s'), 10_000)),
  ]);
  expect(code === 0 ? 0 : `exit ${code}:\n${server.output()}`).toBe(0);
}

describe('the README for a team', () => {
  it('asks for at most 15 lines of its own code, as many as it says', async () => {
    const lines = await teamLines('esm-app', recipe);
    const stated = /(\d+) lines of your own code/.exec(await readFile(README, 'utf8'))?.[1];
    expect(lines).toBeLessThanOrEqual(15);
    expect(String(lines)).toBe(stated);
  });

  it('installs nothing that asks for a newer Node.js than the package supports', async () => {
    const { engines } = JSON.parse(
      await readFile(join(REPO, 'packages', 'nest-session-auth', 'package.json'), 'utf8'),
    ) as { engines: { node: string } };
    const oldest = semver.minVersion(engines.node)!.version;
    const dir = apps.get('esm-app')!.dir;
    expect(await enginesExcluding(dir, 'nest-session-auth', oldest)).toEqual([]);
  });
});

describe.each(APPS)('a fresh Nest app (%s) with the packed package', (name) => {
  it('serves the guarded and public routes and the default sign-in pages (SQLite store)', async () => {
    await visit(apps.get(name)!.server.base);
  });

  it('exits 0 on SIGTERM with the SQLite databases closed (no -wal file left)', async () => {
    const { server, dir } = apps.get(name)!;
    expect(existsSync(join(dir, 'data', 'sessions.db'))).toBe(true);
    await stop(server);
    // SQLite removes the WAL when the last connection closes cleanly.
    expect(existsSync(join(dir, 'data', 'sessions.db-wal'))).toBe(false);
    expect(existsSync(join(dir, 'data', 'accounts.db-wal'))).toBe(false);
  });

  it('refuses to start in production without SESSION_SECRET, in one line, exit 1', async () => {
    const { dir } = apps.get(name)!;
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', PORT: '0' };
    delete env.SESSION_SECRET;
    const result = await runToEnd(process.execPath, ['dist/main.js'], { cwd: dir, env });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines.length === 1 ? 1 : result.stderr).toBe(1);
    expect(lines[0]).toMatch(/no secret in production\. Set SESSION_SECRET/);
  });

  it("keeps the app's own generated tests passing (GET / stays public)", async () => {
    const { dir } = apps.get(name)!;
    await run('npm', ['test'], { cwd: dir });
    await run('npm', ['run', 'test:e2e'], { cwd: dir });
  });

  it('does the same on the Redis store', async ({ skip }) => {
    if (!redisAnswers) {
      if (process.env.REQUIRE_REDIS === '1')
        throw new Error('Redis does not answer on 127.0.0.1:6379');
      console.warn(`SKIPPED: Redis store for ${name}: Redis does not answer on 127.0.0.1:6379`);
      skip();
    }
    const { dir } = apps.get(name)!;
    // README: "`redis` for the Redis store".
    await run('npm', ['install', 'redis', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: dir,
    });
    const moduleFile = join(dir, 'src', 'app.module.ts');
    const source = await readFile(moduleFile, 'utf8');
    const sqliteStore = /store: 'sqlite'/;
    expect(source).toMatch(sqliteStore);
    const prefix = `nsa-consumer-${name}-${process.pid}:`;
    await writeFile(
      moduleFile,
      source.replace(
        sqliteStore,
        `store: { type: 'redis', url: 'redis://127.0.0.1:6379', prefix: '${prefix}' }`,
      ),
    );
    await run('npm', ['run', 'build'], { cwd: dir });
    const server = await start(dir, { SESSION_SECRET: SECRET }, '/me');
    try {
      await visit(server.base);
    } finally {
      await stop(server);
    }
  }, 180_000);
});
