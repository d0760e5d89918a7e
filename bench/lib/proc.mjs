// Child processes for the benchmark: the servers under test (pinned to core 0), a Redis server
// when one is needed and installed, free ports, and peak-RSS sampling from /proc.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

/** Absolute path of an executable on PATH, or undefined. */
export function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export const TASKSET = which('taskset');
/**
 * CPUs this run may use. Asked before pinning: once run.mjs has re-executed itself on core 1,
 * it sees a single CPU, so the parent hands its count and decision down (BENCH_CORES, BENCH_PINNED).
 */
export const CORES = Number(process.env.BENCH_CORES) || availableParallelism();
/** Server on core 0, load generator on core 1: only with taskset and at least 2 CPUs. */
export const PINNING = process.env.BENCH_PINNED === '1' || (Boolean(TASKSET) && CORES >= 2);
export const SERVER_CORE = '0';
export const LOAD_CORE = '1';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Every child still running, so a crash or Ctrl-C of the harness does not leave servers behind. */
const running = new Set();
const killAll = () => {
  for (const child of running) child.kill('SIGKILL');
};
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

function spawnPinned(command, args, options) {
  const pinned = PINNING ? [TASKSET, ['-c', SERVER_CORE, command, ...args]] : [command, args];
  // taskset execs the command, so child.pid is the server's own pid (for /proc/<pid>/status).
  const child = spawn(pinned[0], pinned[1], options);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/**
 * Starts a server the way production would (NODE_ENV=production, a real SESSION_SECRET, its own
 * empty DATA_DIR) and waits until `readyPath` answers 200. Resolves to a handle, or to
 * `{ ok: false, reason }` when it exits or never becomes ready: the harness reports that target
 * as n/a instead of failing the run.
 */
export async function startServer({
  name,
  script,
  cwd,
  env = {},
  nodeArgs = [],
  readyPath,
  readyTimeoutMs = 30_000,
}) {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), `bench-${name}-`));
  const childEnv = {
    // A clean environment, so nothing from the caller's shell (SESSION_STORE, NODE_OPTIONS…) leaks in.
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    NODE_ENV: 'production',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    ...env,
  };
  const child = spawnPinned(process.execPath, [...nodeArgs, script], {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = [];
  const listeners = new Set();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (raw) => {
      // Nest colours its log lines; strip the escapes before matching them.
      // oxlint-disable-next-line no-control-regex
      const line = raw.replace(/\u001b\[[0-9;]*m/g, '');
      log.push({ at: Date.now(), line });
      if (log.length > 500) log.shift();
      for (const listener of listeners) listener(line);
    });
  }
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let exit;
  void exited.then((result) => (exit = result));
  const base = `http://127.0.0.1:${port}`;
  const handle = {
    name,
    base,
    port,
    dataDir,
    pid: child.pid,
    log,
    env: childEnv,
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get exit() {
      return exit;
    },
    async stop() {
      if (!exit) {
        child.kill('SIGTERM');
        const done = await Promise.race([exited, sleep(15_000).then(() => undefined)]);
        if (!done) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      await rm(dataDir, { recursive: true, force: true });
      return exit;
    },
  };
  const lastLine = () =>
    log
      .map((entry) => entry.line.trim())
      .filter(Boolean)
      .at(-1) ?? 'no output';
  const deadline = Date.now() + readyTimeoutMs;
  let lastProbe = 'not probed';
  while (Date.now() < deadline) {
    if (exit) {
      await handle.stop();
      return { ok: false, reason: `exited at start-up (code ${exit.code}): ${lastLine()}` };
    }
    try {
      const res = await fetch(base + readyPath, {
        redirect: 'manual',
        signal: AbortSignal.timeout(2000),
      });
      await res.arrayBuffer();
      if (res.status === 200) return { ok: true, server: handle };
      lastProbe = `GET ${readyPath} → ${res.status}`;
    } catch (error) {
      lastProbe = `GET ${readyPath}: ${error.cause?.code ?? error.message}`;
    }
    await sleep(100);
  }
  await handle.stop();
  return {
    ok: false,
    reason: `not ready after ${readyTimeoutMs / 1000} s (${lastProbe}); last output: ${lastLine()}`,
  };
}

/**
 * A throw-away Redis on core 0 (no persistence), when redis-server is installed; `args` make it
 * a replica, and a `config` file (which Sentinel must be able to rewrite) a Sentinel.
 */
export async function startRedis({ args = [], config } = {}) {
  const binary = which('redis-server');
  if (!binary) return undefined;
  const port = await freePort();
  // A replica writes the snapshot it syncs from its primary into its folder: not the work tree.
  const dir = await mkdtemp(join(tmpdir(), 'bench-redis-'));
  const child = spawnPinned(
    binary,
    [
      ...(config ? [config, '--sentinel'] : []),
      '--port',
      String(port),
      '--dir',
      dir,
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      ...args,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (let i = 0; i < 50; i++) {
    if ((await redisCommand(port, 'PING')) === '+PONG') {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        pid: child.pid,
        /** Number of keys (DBSIZE). */
        async keys() {
          const reply = await redisCommand(port, 'DBSIZE');
          return reply?.startsWith(':') ? Number(reply.slice(1)) : undefined;
        },
        async stop() {
          child.kill('SIGTERM');
          await exited;
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  return undefined;
}

/** Sends one inline command; resolves with the first line of the reply, or undefined. */
function redisCommand(port, command) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().split('\r\n')[0]);
    });
    socket.once('error', () => resolve(undefined));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}

function readStatus(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Polls VmRSS every 100 ms; `stop()` returns the peak in MB (undefined without /proc). */
export function sampleRss(pid) {
  let peak;
  const read = () => {
    const rss = readStatus(pid, 'VmRSS');
    if (rss !== undefined) peak = Math.max(peak ?? 0, rss);
  };
  read();
  const timer = setInterval(read, 100);
  return {
    stop() {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

/** VmHWM: the highest RSS the process has had since it started, in MB. */
export const peakRssSinceStart = (pid) => readStatus(pid, 'VmHWM');

/** CPU time (utime + stime, all threads) in clock ticks, from the text of /proc/<pid>/stat. */
export function cpuTicks(stat) {
  // The command name (field 2) is in parentheses and may itself contain spaces and ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Clock ticks per second of /proc times (USER_HZ), 100 on Linux. */
const TICKS_PER_SECOND = 100;

/** Share of one core used between two samples `{ at (ms), ticks }`. */
export const cpuShare = (before, after) =>
  (after.ticks - before.ticks) / TICKS_PER_SECOND / ((after.at - before.at) / 1000);

/**
 * Samples /proc/<pid>/stat every `intervalMs` until one interval uses less than `idle` of a
 * core; resolves with the ms from `since` (performance.now()) to the end of that interval, or
 * undefined after `timeoutMs` or without /proc.
 */
export async function msUntilIdle(
  pid,
  { since = performance.now(), intervalMs = 250, idle = 0.05, timeoutMs = 60_000 } = {},
) {
  const sample = () => {
    try {
      return { at: performance.now(), ticks: cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) };
    } catch {
      return undefined;
    }
  };
  let before = sample();
  while (before && before.at - since < timeoutMs) {
    await sleep(intervalMs);
    const after = sample();
    if (after && cpuShare(before, after) < idle) return after.at - since;
    before = after;
  }
  return undefined;
}

function words(text) {
  return text.split(/\s+/).filter(Boolean);
}

/**
 * The environment and node flags `npm start` runs dist/main.js with (after building), read from
 * package.json, so the app is measured the way it is deployed rather than as a bare `node`.
 */
export function npmStartCommand(root, start = readPackageStart(root)) {
  const match = /&&\s*((?:[A-Z_]+=\S+\s+)*)exec node\s+((?:--\S+\s+)*)dist\/main\.js\s*$/.exec(
    start,
  );
  if (!match) throw new Error(`bench: cannot read the node command of "npm start": ${start}`);
  return {
    env: Object.fromEntries(words(match[1]).map((pair) => pair.split('='))),
    nodeArgs: words(match[2]),
  };
}

function readPackageStart(root) {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
}
