import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import semver from 'semver';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const REPO = join(import.meta.dirname, '..', '..');
export const README = join(REPO, 'packages', 'nest-session-auth', 'README.md');
export const FIXTURES = join(import.meta.dirname, 'fixtures');

/** Runs a command; on failure the error carries its output, so the test says what went wrong. */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<string> {
  try {
    // A variable given as undefined is removed rather than inherited.
    const env = { ...process.env, ...options.env };
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key];
    }
    const { stdout } = await exec(command, args, {
      cwd: options.cwd,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${options.cwd}:\n${stdout}\n${stderr}`,
      {
        cause: error,
      },
    );
  }
}

/** Runs a command to its end, whatever its exit code, keeping stdout and stderr apart. */
export function runToEnd(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Every package installed for `root` (its dependencies and the peers npm installs with it,
 * Nest's own aside, and their dependencies) whose `engines.node` excludes `node`, as
 * `name@version (range)`.
 */
export async function enginesExcluding(
  appDir: string,
  root: string,
  node: string,
): Promise<string[]> {
  const seen = new Set<string>();
  const excluding: string[] = [];
  const visit = async (dir: string, wanted: (pkg: PackageJson) => string[]): Promise<void> => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
    const range = pkg.engines?.node;
    if (range && !semver.satisfies(node, range))
      excluding.push(`${pkg.name}@${pkg.version} (${range})`);
    for (const name of wanted(pkg)) {
      const found = installedAt(appDir, dir, name);
      if (found) await visit(found, dependencies);
    }
  };
  await visit(join(appDir, 'node_modules', root), (pkg) => [
    ...dependencies(pkg),
    ...Object.keys(pkg.peerDependencies ?? {}).filter(
      (peer) => !peer.startsWith('@nestjs/') && !(peer in (pkg.peerDependenciesMeta ?? {})),
    ),
  ]);
  return excluding;
}

const dependencies = (pkg: PackageJson) => Object.keys(pkg.dependencies ?? {});

interface PackageJson {
  name: string;
  version: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
}

/** Where Node would find `name` from `dir`: its own node_modules, then each parent's. */
function installedAt(appDir: string, dir: string, name: string): string | undefined {
  for (let at = dir; at.startsWith(appDir); at = dirname(at)) {
    const candidate = join(at, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (at === appDir) break;
  }
  return undefined;
}

/** `npm pack` of the package, as it would be published (dist/ is built by the global setup). */
export async function packPackage(destination: string): Promise<string> {
  const out = await run(
    'npm',
    ['pack', '-w', 'nest-session-auth', '--ignore-scripts', '--pack-destination', destination],
    { cwd: REPO },
  );
  return join(destination, out.trim().split('\n').at(-1)!);
}

/** What the README tells a team to do, read from the README itself so the test follows it. */
export interface ReadmeRecipe {
  /** The JSON fragment to add to package.json before installing. */
  packageJson: Record<string, unknown>;
  /** The `npm install …` commands, in order, as argument lists. */
  installs: string[][];
  /** Source files by path (`src/app.module.ts`), from ts blocks whose first line names the file. */
  files: Map<string, string>;
}

export async function readmeRecipe(): Promise<ReadmeRecipe> {
  const text = await readFile(README, 'utf8');
  const blocks = [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, body]) => ({
    lang,
    body,
  }));
  const json = blocks.find((b) => b.lang === 'json' && /"overrides"|"allowScripts"/.test(b.body));
  const packageJson = json ? (JSON.parse(`{${json.body.trim().replace(/,$/, '')}}`) as object) : {};
  const installs = blocks
    .filter((b) => b.lang === 'sh')
    .flatMap((b) => b.body.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line.startsWith('npm install'))
    .map((line) => line.split(/\s+/).slice(1));
  const files = new Map<string, string>();
  for (const block of blocks.filter((b) => b.lang === 'ts')) {
    const name = /^\/\/ (src\/\S+\.ts)\n/.exec(block.body)?.[1];
    if (name) files.set(name, block.body);
  }
  if (installs.length === 0 || !files.has('src/app.module.ts')) {
    throw new Error('README: no `npm install` line or no `// src/app.module.ts` block found');
  }
  return { packageJson: packageJson as Record<string, unknown>, installs, files };
}

/** Copies a fixture app and applies the README to it: package.json additions and source files. */
export async function createApp(fixture: string, dir: string, recipe: ReadmeRecipe): Promise<void> {
  await cp(join(FIXTURES, fixture), dir, { recursive: true });
  const file = join(dir, 'package.json');
  const pkg = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify({ ...pkg, ...recipe.packageJson }, null, 2));
  for (const [name, body] of recipe.files) await writeFile(join(dir, name), body);
}

/**
 * The lines a team writes to follow the README: lines of its files (blank lines and the
 * `// src/…` line naming the file aside) that the fixture's version of the file does not have,
 * matched in order (a longest common subsequence, as a diff would).
 */
export async function teamLines(fixture: string, recipe: ReadmeRecipe): Promise<number> {
  let count = 0;
  for (const [name, body] of recipe.files) {
    const generated = await readFile(join(FIXTURES, fixture, name), 'utf8').catch(() => '');
    const ours = codeLines(body).slice(1);
    count += ours.length - commonLength(codeLines(generated), ours);
  }
  return count;
}

function codeLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function commonLength(a: string[], b: string[]): number {
  let previous: number[] = Array.from({ length: b.length + 1 }, () => 0);
  for (const line of a) {
    const row = [0];
    for (let j = 0; j < b.length; j++)
      row.push(line === b[j] ? previous[j] + 1 : Math.max(previous[j + 1], row[j]));
    previous = row;
  }
  return previous[b.length];
}

/**
 * A team's `npm install` gets sqlite3's prebuilt binary from GitHub through prebuild-install; this
 * machine cannot reach GitHub, so sqlite3 would compile (about 80 s of CPU per app). Instead the
 * binary the repository's own `npm ci` built is offered as a "local prebuild"
 * (`npm_config_sqlite3_local_prebuilds`, prebuild-install's own option), which is what a team
 * receives. sqlite3's install script still runs. CONSUMER_COMPILE_SQLITE=1 compiles instead.
 * Returns the environment for `npm install`.
 */
export async function sqlitePrebuild(work: string): Promise<NodeJS.ProcessEnv> {
  if (process.env.CONSUMER_COMPILE_SQLITE === '1') return {};
  const sqlite3 = join(REPO, 'node_modules', 'sqlite3');
  const { version } = JSON.parse(await readFile(join(sqlite3, 'package.json'), 'utf8')) as {
    version: string;
  };
  const dir = join(work, 'prebuilds');
  await mkdir(dir);
  const first = join(dir, `sqlite3-v${version}-napi-v6-${process.platform}-${process.arch}.tar.gz`);
  await run('tar', ['-czf', first, 'build/Release/node_sqlite3.node'], { cwd: sqlite3 });
  await cp(first, first.replace('-napi-v6-', '-napi-v3-'));
  return { npm_config_sqlite3_local_prebuilds: dir };
}

/** The README's install commands, with the package name replaced by the packed tarball. */
export async function install(
  dir: string,
  recipe: ReadmeRecipe,
  tarball: string,
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  for (const args of recipe.installs) {
    const withTarball = args.map((a) => (a === 'nest-session-auth' ? tarball : a));
    await run('npm', [...withTarball, '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: dir,
      env,
    });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface Started {
  child: ChildProcess;
  base: string;
  output: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `node dist/main.js` in the app's directory; resolves once `GET path` answers at all. */
export async function start(dir: string, env: NodeJS.ProcessEnv, waitFor = '/'): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { ...process.env, NODE_ENV: 'production', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const started: Started = { child, base, output: () => out + err, stderr: () => err, exited };
  const deadline = Date.now() + 30_000;
  const state = { gone: false };
  void exited.then(() => (state.gone = true));
  while (!state.gone && Date.now() < deadline) {
    try {
      await fetch(base + waitFor, { redirect: 'manual' });
      return started;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`the app did not answer on ${base}${waitFor}:\n${out}\n${err}`);
}

/** A browser's cookie jar and CSRF token, enough for the package's default pages. */
export class Browser {
  private cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  async get(path: string, accept = 'text/html'): Promise<Response> {
    return this.request(path, { headers: { accept } });
  }

  /** Loads `page`, takes the CSRF token from its form, and posts `fields` to `action`. */
  async submit(page: string, action: string, fields: Record<string, string>): Promise<Response> {
    const html = await (await this.get(page)).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error(`no CSRF token in ${page}:\n${html}`);
    return this.request(action, {
      method: 'POST',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, _csrf: token }).toString(),
    });
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const res = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1)];
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '')
        this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}
