// `npm run bench`: load-tests the built app (dist/main.js) on each session store and a
// hand-built Express baseline, and prints one table plus the ratio checks of the
// "Benchmarks" issue. Also written to bench/results/latest.md (raw numbers: latest.json).
//
//   BENCH_DURATION=10     seconds per measurement (default 10)
//   BENCH_QUICK=1         2 s measurements, 8 sessions, no 1,000,000-session steps (smoke test)
//   BENCH_TARGETS=a,b     only these targets (app-sqlite, app-memory, app-redis, app-postgres,
//                         baseline, baseline-wal, baseline-pg)
//   BENCH_ROWS=1000000    rows for the big-store and purge steps (0 skips them)
//   BENCH_PURGE_INTERVAL  SESSION_PURGE_INTERVAL of the purge-step server (default 30 s)
//   BENCH_FLOOD=0         skip the sign-in flood scenario; BENCH_FLOOD=only: nothing else
//   BENCH_METRICS=0       skip metrics on vs off; BENCH_METRICS=only: nothing else
//   BENCH_FLOOR=0         skip the framework floor comparison; BENCH_FLOOR=only: nothing else
//   BENCH_FLOOR_ROUNDS=3  interleaved rounds of the floor comparison (median reported)
//   BENCH_REDIS=0         skip the Redis store vs connect-redis and the cost of WAIT
//                         (bench/redis-compare.mjs); BENCH_REDIS=only: nothing else
//   REDIS_URL             use this Redis for app-redis instead of starting redis-server
//   BENCH_BEFORE=DIR      also bench the app built in DIR (another checkout, built) on SQLite and
//                         Redis, as before-sqlite and before-redis, for before/after ratios
//   BENCH_POSTGRES_URL    the PostgreSQL server app-postgres and baseline-pg each get a fresh
//                         database on (default postgres://postgres@127.0.0.1:5432/postgres)
//
// Each server runs as its own child process, in production mode, on core 0; the load
// generator (autocannon) runs inside this process, on core 1 (see the re-exec below).
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID, scrypt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  fixedCookie,
  randomAddress,
  register,
  send,
  sessionPool,
  signInForms,
  timedSignIn,
} from './lib/http.mjs';
import { is2xx, is2xxOr3xx, is3xx, runLoad, summarize } from './lib/load.mjs';
import {
  CORES,
  cpuTicks,
  freePort,
  LOAD_CORE,
  msUntilIdle,
  npmStartCommand,
  PINNING,
  SERVER_CORE,
  TASKSET,
  peakRssSinceStart,
  startRedis,
  startServer,
} from './lib/proc.mjs';
import { fmtMs, fmtRate, machineInfo, prettify, report, statusCounts } from './lib/report.mjs';
import { floorChecks, floorComparison, floorTargets } from './floor/compare.mjs';
import { redisComparison } from './redis-compare.mjs';
import {
  countRows,
  firstSidExpiringAt,
  hasRowsExpiringBy,
  insertSessions,
  sampleSession,
  sumRevisions,
} from './lib/rows.mjs';

// Pinning: the harness re-executes itself under `taskset -c 1` and then runs autocannon
// programmatically, in-process. Chosen over running autocannon's CLI under taskset because
// only the programmatic API gives each connection its own session (setupClient) and the time
// of every response (needed for the purge stall); one pinned process also keeps the set-up
// requests and bulk inserts off the server's core. Servers are started under `taskset -c 0`.
if (PINNING && process.env.BENCH_PINNED !== '1') {
  const child = spawnSync(
    TASKSET,
    ['-c', LOAD_CORE, process.execPath, ...process.execArgv, fileURLToPath(import.meta.url)],
    { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1', BENCH_CORES: String(CORES) } },
  );
  process.exit(child.status ?? 1);
}

const ROOT = resolve(import.meta.dirname, '..');
const APP = join(ROOT, 'dist', 'main.js');
const AS_NPM_START = npmStartCommand(ROOT);
// Behind one proxy, as deployed: the right-most X-Forwarded-For entry is the client's address, so
// the harness can speak for many clients (the app allows 30 credential checks per address a minute).
const APP_ENV = { ...AS_NPM_START.env, TRUST_PROXY: '1' };
const BASELINE = join(ROOT, 'bench', 'baseline', 'server.mjs');
const RESULTS = join(ROOT, 'bench', 'results');

const positive = (raw, fallback) => {
  const value = Number(raw);
  return raw !== undefined && raw !== '' && Number.isFinite(value) && value >= 0 ? value : fallback;
};
const QUICK = process.env.BENCH_QUICK === '1';
/** BENCH_FLOOD: 'run' the sign-in flood scenario (default), 'skip' it (0), or run 'only' it. */
const FLOOD = { 0: 'skip', only: 'only' }[process.env.BENCH_FLOOD] ?? 'run';
/** BENCH_METRICS: 'run' metrics on vs off (default), 'skip' it (0), or run 'only' it. */
const METRICS = { 0: 'skip', only: 'only' }[process.env.BENCH_METRICS] ?? 'run';
/** BENCH_FLOOR: 'run' the framework floor comparison (default), 'skip' it (0), or run 'only' it. */
const FLOOR = { 0: 'skip', only: 'only' }[process.env.BENCH_FLOOR] ?? 'run';
const FLOOR_ROUNDS = QUICK
  ? 1
  : Math.max(1, Math.floor(positive(process.env.BENCH_FLOOR_ROUNDS, 3)));
const FLOOR_TARGETS = floorTargets(
  ROOT,
  process.env.BENCH_BEFORE && resolve(process.env.BENCH_BEFORE),
);
/** Alternating rounds of metrics off / on: the machine is shared, so one pair would be noise. */
const METRICS_ROUNDS = QUICK ? 1 : 3;
const REDIS = { 0: 'skip', only: 'only' }[process.env.BENCH_REDIS] ?? 'run';
const DURATION = QUICK ? 2 : positive(process.env.BENCH_DURATION, 10) || 10;
const TARGET_WARMUP = QUICK ? 1 : 5;
const SCENARIO_WARMUP = QUICK ? 1 : 2;
const POOL = QUICK ? 8 : 32;
const BIG_ROWS =
  QUICK || FLOOD === 'only' ? 0 : Math.floor(positive(process.env.BENCH_ROWS, 1_000_000));
const SMALL_ROWS = 1000;
const PURGE_INTERVAL = Math.max(1, Math.floor(positive(process.env.BENCH_PURGE_INTERVAL, 30)));
const USER = { name: 'bench-user', password: 'correct horse battery' };
const SCRYPT = { N: 2 ** 14, r: 8, p: 5, maxmem: 64 * 1024 * 1024 };
const SIGN_IN_CONNECTIONS = 8;
const FLOOD_CONNECTIONS = 64;
/** The flood scenario's user: registered first, then signing in from one address per phase. */
const LEGIT = {
  name: 'legit-user',
  password: 'a legitimate password',
  signIns: 10,
  addresses: ['192.0.2.1', '192.0.2.2'],
};

const TARGETS = [
  {
    id: 'app-sqlite',
    label: 'app (sqlite)',
    script: APP,
    ...AS_NPM_START,
    env: { ...APP_ENV, SESSION_STORE: 'sqlite' },
    ready: '/health',
    db: 'sessions.db',
    app: true,
    revisions: true,
    bigStore: true,
  },
  {
    id: 'app-memory',
    label: 'app (memory)',
    script: APP,
    ...AS_NPM_START,
    env: { ...APP_ENV, SESSION_STORE: 'memory' },
    ready: '/health',
    app: true,
  },
  {
    id: 'app-redis',
    label: 'app (redis)',
    script: APP,
    ...AS_NPM_START,
    env: { ...APP_ENV, SESSION_STORE: 'redis' },
    ready: '/health',
    app: true,
    redis: true,
  },
  {
    id: 'app-postgres',
    label: 'app (postgres)',
    script: APP,
    ...AS_NPM_START,
    env: { ...APP_ENV, SESSION_STORE: 'postgres' },
    ready: '/health',
    app: true,
    pgTable: 'sessions',
  },
  {
    id: 'baseline',
    label: 'baseline (rollback journal)',
    script: BASELINE,
    env: {},
    ready: '/login',
    db: 'sessions.db',
  },
  {
    id: 'baseline-wal',
    label: 'baseline (WAL)',
    script: BASELINE,
    env: { BASELINE_WAL: '1' },
    ready: '/login',
    db: 'sessions.db',
  },
  {
    id: 'baseline-pg',
    label: 'baseline (connect-pg-simple)',
    script: BASELINE,
    env: { BASELINE_STORE: 'pg' },
    ready: '/login',
    pgTable: 'session',
  },
];

// The same app built from another checkout, on the stores a refactor must not slow down.
if (process.env.BENCH_BEFORE) {
  for (const store of ['sqlite', 'redis']) {
    const after = TARGETS.find((t) => t.id === `app-${store}`);
    // Right after its "after", so both see the machine in the same state.
    TARGETS.splice(TARGETS.indexOf(after) + 1, 0, {
      ...after,
      id: `before-${store}`,
      label: `before (${store})`,
      script: join(resolve(process.env.BENCH_BEFORE), 'dist', 'main.js'),
      revisions: false,
      bigStore: false,
    });
  }
}

const rows = [];
const notes = [];
const say = (text) => process.stderr.write(`[bench] ${text}\n`);

/** Adds a row of the table for `target` (with `result`, or `na`: why not measured). */
function addRow(target, key, scenario, connections, fields) {
  const row = { target: target.label, targetId: target.id, key, scenario, connections, ...fields };
  rows.push(row);
  return row;
}

/** The harness's own measurement of one password hash, the floor of a sign-in. */
async function hashCost() {
  const derive = promisify(scrypt);
  await derive('warm-up', 'salt', 32, SCRYPT);
  const started = performance.now();
  for (let i = 0; i < 20; i++) await derive(`password ${i}`, `salt ${i}`, 32, SCRYPT);
  return (performance.now() - started) / 20;
}

const form = (fields) =>
  new URLSearchParams(Object.entries(fields).filter(([, v]) => v !== undefined)).toString();
const withCookie = (cookie, headers = {}) => (cookie ? { ...headers, cookie } : headers);
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function benchTarget(target) {
  const env = { ...target.env };
  let redis;
  if (target.redis) {
    if (process.env.REDIS_URL) env.REDIS_URL = process.env.REDIS_URL;
    else {
      redis = await startRedis();
      env.REDIS_URL = redis?.url ?? 'redis://127.0.0.1:6379';
    }
  }
  const database = target.pgTable ? await startDatabase(target.id) : undefined;
  if (database) env.DATABASE_URL = database.url;
  say(`${target.id}: starting`);
  const started = await startServer({
    name: target.id,
    script: target.script,
    nodeArgs: target.nodeArgs,
    cwd: ROOT,
    env,
    readyPath: target.ready,
  });
  if (!started.ok) {
    const why = target.redis && !redis && !process.env.REDIS_URL ? '; no redis-server found' : '';
    addRow(target, undefined, 'all scenarios', undefined, { na: `${started.reason}${why}` });
    say(`${target.id}: n/a (${started.reason})`);
    await redis?.stop();
    await database?.drop();
    return;
  }
  const server = started.server;
  const url = server.base;
  const dbFile = target.db ? join(server.dataDir, target.db) : undefined;

  async function measure(key, scenario, connections, requestsFor, expect, hooks = {}) {
    say(`${target.id}: ${scenario} @${connections}`);
    await hooks.before?.();
    const result = await runLoad({
      url,
      connections,
      warmup: hooks.warmup ?? SCENARIO_WARMUP,
      duration: hooks.duration ?? DURATION,
      requestsFor,
      expect,
      pid: server.pid,
    });
    const row = addRow(target, key, scenario, connections, { result });
    await hooks.after?.(row);
    return row;
  }
  const notServed = (key, scenario, connections, reason) =>
    addRow(target, key, scenario, connections, { na: reason });

  try {
    const pool = await sessionPool(url, POOL, USER.name, USER.password);
    const signedGet = (i) => [
      { method: 'GET', path: '/', headers: { cookie: pool[i % pool.length].cookie } },
    ];
    say(`${target.id}: warm-up`);
    await runLoad({
      url,
      connections: 32,
      duration: TARGET_WARMUP,
      requestsFor: signedGet,
      expect: () => true,
    });
    if (FLOOD === 'only') {
      await signInFlood(target, server, signedGet);
      return;
    }

    for (const connections of [32, 128]) {
      await measure('get-signed', 'signed-in GET /', connections, signedGet, is2xx);
    }

    // Anonymous visitors must not get a session: count rows (SQLite) or keys (our own Redis).
    const storedCount = dbFile
      ? () => countRows(dbFile)
      : redis
        ? () => redis.keys()
        : database && (() => database.count(target.pgTable));
    let before;
    await measure(
      'get-anon',
      'anonymous GET / (redirect)',
      32,
      () => [{ method: 'GET', path: '/' }],
      is3xx,
      {
        before: async () => {
          before = await storedCount?.();
        },
        after: async (row) => {
          const after = await storedCount?.();
          if (before === undefined || after === undefined) {
            row.note = 'new sessions: not countable in this store';
            return;
          }
          row.newRows = after - before;
          row.note = `new session ${dbFile ? 'rows' : 'keys'}: ${row.newRows}`;
        },
      },
    );

    // A cheap session write: each connection flips its own session's theme on every request,
    // so every request changes the session (an unchanged session is not saved at all).
    const probe = await send(url, fixedCookie(pool[0].cookie), '/preferences', {
      method: 'POST',
      form: { theme: 'dark', ...(pool[0].token && { _csrf: pool[0].token }) },
    });
    const prefsLabel = 'session write POST /preferences';
    if (!is2xxOr3xx(probe.status)) {
      notServed('prefs', prefsLabel, 32, `POST /preferences → ${probe.status}`);
    } else {
      const prefs = (i) => {
        const { cookie, token } = pool[i % pool.length];
        return ['light', 'dark'].map((theme) => ({
          method: 'POST',
          path: '/preferences',
          headers: withCookie(cookie, FORM),
          body: form({ theme, _csrf: token }),
        }));
      };
      let revisions;
      await measure('prefs', prefsLabel, 32, prefs, is2xxOr3xx, {
        before: async () => {
          revisions = target.revisions ? await sumRevisions(dbFile) : undefined;
        },
        after: async (row) => {
          const parts = [];
          if (revisions !== undefined) {
            const writes = (await sumRevisions(dbFile)) - revisions;
            parts.push(`row writes per request ≈ ${(writes / row.result.allResponses).toFixed(2)}`);
          }
          if (dbFile) {
            const themed = await countRows(dbFile, `WHERE sess LIKE '%"theme":%'`);
            parts.push(`sessions with a theme: ${themed}`);
          }
          if (parts.length) row.note = parts.join('; ');
        },
      });
    }

    const listing = await send(url, fixedCookie(pool[0].cookie), '/sessions');
    if (listing.status !== 200) {
      notServed('sessions', 'GET /sessions', 32, `GET /sessions → ${listing.status}`);
    } else {
      const listSessions = (i) => [
        { method: 'GET', path: '/sessions', headers: { cookie: pool[i % pool.length].cookie } },
      ];
      await measure('sessions', 'GET /sessions', 32, listSessions, is2xx);
    }

    // Sign-in: every connection keeps one anonymous visitor's CSRF cookie and form token and
    // posts valid credentials again and again, each time from a new address (so the
    // per-address limit does not refuse it); each request hashes and creates a session.
    // 8 connections: on its one core the app hashes one at a time with 8 waiting and refuses
    // more with 503 (what the sign-in flood measures), so 8 keep its hashing busy.
    const forms = await signInForms(url, SIGN_IN_CONNECTIONS);
    const signInRequests = (i) => [
      eachFromRandomAddress({
        method: 'POST',
        path: '/login',
        headers: withCookie(forms[i % forms.length].cookie, FORM),
        body: form({
          name: USER.name,
          password: USER.password,
          _csrf: forms[i % forms.length].token,
        }),
      }),
    ];
    // A sign-in waits for the hashes ahead of it, and answers come in bursts: a longer warm-up
    // and window than the other scenarios keep the rate from being one burst more or less.
    const hashMs = await hashCost();
    await measure('signin', 'sign-in POST /login', SIGN_IN_CONNECTIONS, signInRequests, is3xx, {
      warmup: QUICK ? SCENARIO_WARMUP : 5,
      duration: QUICK ? DURATION : Math.max(20, DURATION),
      after: async (row) => {
        row.hashMs = hashMs;
        row.note =
          `scrypt alone ${fmtMs(hashMs)} ms just before, so ~${fmtRate(1000 / hashMs)}/s on one ` +
          `core: this is ${((row.result.rps * hashMs) / 10).toFixed(0)}% of that`;
        // The server goes on hashing the requests that were in flight when the load stopped.
        await sleep(Math.min(30_000, (row.result.max ?? 0) + 1000));
      },
    });

    if (target.app && FLOOD === 'run') await signInFlood(target, server, signedGet);

    if (target.bigStore && BIG_ROWS > 0) await bigStore(dbFile, measure, signedGet);

    const hwm = peakRssSinceStart(server.pid);
    if (hwm !== undefined)
      notes.push(`${target.label}: highest RSS since start (VmHWM) ${hwm.toFixed(0)} MB.`);
  } catch (error) {
    addRow(target, undefined, 'remaining scenarios', undefined, {
      na: `harness error: ${error.message}`,
    });
    say(`${target.id}: error ${error.stack}`);
  } finally {
    const exit = await server.stop();
    // (The baseline has no SIGTERM handler, like most tutorials: it dies of the signal.)
    if (target.app && exit && exit.code !== 0) {
      notes.push(
        `${target.label} exited with ${exit.code ?? exit.signal} on SIGTERM (expected 0).`,
      );
    }
    await redis?.stop();
    await database?.drop();
  }
}

/** A fresh PostgreSQL database for one target (and a way to count its session rows), or undefined. */
async function startDatabase(name) {
  const { default: pg } = await import('pg');
  const admin = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = `bench_${name.replace(/\W/g, '_')}_${process.pid}`;
  const query = async (url, text) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };
  const url = new URL(admin);
  url.pathname = `/${database}`;
  try {
    await query(admin, `CREATE DATABASE ${database}`);
  } catch (error) {
    say(`${name}: no PostgreSQL at ${admin} (${error.message})`);
    return undefined;
  }
  return {
    url: url.toString(),
    count: async (table) =>
      (await query(url.toString(), `SELECT count(*)::int AS n FROM ${table}`))[0].n,
    drop: () => query(admin, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  };
}

/** An autocannon request sent each time from a new random address, with a new `body()` if given. */
const eachFromRandomAddress = (request, body) => ({
  ...request,
  setupRequest: (req) => ({
    ...req,
    headers: { ...req.headers, 'x-forwarded-for': randomAddress() },
    ...(body && { body: body() }),
  }),
});

/** The answers a wrong password may get: 401, or refused by a limit (429) or a full line (503). */
const isRefusal = (status) => status === 401 || status === 429 || status === 503;

/** How a person's timed sign-ins went: "10/10 signed in, median 210 ms, max 260 ms". */
function signInText(results) {
  const ok = summarize(results.filter((r) => r.ok).map((r) => r.ms));
  const refusals = {};
  for (const { refusals: each } of results)
    for (const [status, n] of Object.entries(each)) refusals[status] = (refusals[status] ?? 0) + n;
  return [
    `${ok.count}/${results.length} signed in`,
    ok.count && `median ${fmtMs(ok.p50)} ms, max ${fmtMs(ok.max)} ms`,
    Object.keys(refusals).length && `refused on the way: ${statusCounts(refusals)}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * Sign-in flood (SPEC "Abuse resistance"). Twice, for DURATION s after a warm-up: signed-in
 * GET / at 32 connections while one registered user signs in LEGIT.signIns times in a row from
 * an address of their own; first alone, then while FLOOD_CONNECTIONS connections post wrong
 * passwords for random names, each request from a new random address (so each would need a
 * hash), giving up on a request after 2 s. Then how long the server takes to be idle (< 5% of a
 * core over 250 ms) once the flood has stopped.
 */
async function signInFlood(target, server, signedGet) {
  const url = server.base;
  await register(url, LEGIT.name, LEGIT.password, LEGIT.addresses[0]);
  const forms = await signInForms(url, FLOOD_CONNECTIONS);
  const flood = (i) => {
    const { cookie, token } = forms[i % forms.length];
    const wrong = () =>
      form({
        name: `flood-${randomUUID()}`,
        password: randomBytes(12).toString('hex'),
        _csrf: token,
      });
    return [
      eachFromRandomAddress(
        { method: 'POST', path: '/login', headers: withCookie(cookie, FORM) },
        wrong,
      ),
    ];
  };
  const phase = async (address, flooding) => {
    say(
      `${target.id}: signed-in GET / @32, ${LEGIT.signIns} sign-ins${flooding ? `, flood @${FLOOD_CONNECTIONS}` : ''}`,
    );
    let stop;
    const until = new Promise((done) => (stop = done));
    const load = { url, warmup: SCENARIO_WARMUP, duration: 3600, pid: server.pid, until };
    const loads = Promise.all([
      runLoad({ ...load, connections: 32, requestsFor: signedGet, expect: is2xx }),
      flooding
        ? runLoad({
            ...load,
            connections: FLOOD_CONNECTIONS,
            requestsFor: flood,
            expect: isRefusal,
            timeout: 2,
          })
        : undefined,
    ]);
    const signIns = [];
    try {
      await sleep(SCENARIO_WARMUP * 1000);
      const signInAll = async () => {
        for (let i = 0; i < LEGIT.signIns; i++)
          signIns.push(await timedSignIn(url, LEGIT.name, LEGIT.password, { address }));
      };
      await Promise.all([signInAll(), sleep(DURATION * 1000)]);
    } finally {
      stop();
    }
    const stoppedAt = performance.now();
    const [get, floodResult] = await loads;
    return { get, flood: floodResult, signIns, stoppedAt };
  };

  const quiet = await phase(LEGIT.addresses[0], false);
  const flooded = await phase(LEGIT.addresses[1], true);
  const idleMs = await msUntilIdle(server.pid, { since: flooded.stoppedAt });
  // A stuck server is idle too: does it answer again?
  const askedAt = performance.now();
  const health = await send(url, null, '/health', { timeoutMs: 10_000 }).then(
    (res) => ({
      ok: res.status === 200,
      text: `${res.status} in ${fmtMs(performance.now() - askedAt)} ms`,
    }),
    (error) => ({
      ok: false,
      text: error.name === 'TimeoutError' ? 'no answer within 10 s' : error.message,
    }),
  );
  addRow(
    target,
    'flood-quiet',
    `signed-in GET /, a user signing in ${LEGIT.signIns} times, no flood`,
    32,
    {
      result: quiet.get,
      signIns: quiet.signIns,
      note: `the user: ${signInText(quiet.signIns)}`,
    },
  );
  addRow(target, 'flood-get', 'signed-in GET / during the sign-in flood', 32, {
    result: flooded.get,
    signIns: flooded.signIns,
    note: `${(flooded.get.rps / quiet.get.rps).toFixed(2)} × without; the user: ${signInText(flooded.signIns)}`,
  });
  const idle = idleMs === undefined ? 'not within 60 s' : `${(idleMs / 1000).toFixed(2)} s`;
  addRow(
    target,
    'flood',
    'sign-in flood POST /login (wrong passwords, random names, a new address each, 2 s timeout)',
    FLOOD_CONNECTIONS,
    {
      result: flooded.flood,
      idleMs,
      health,
      note: `answers ${statusCounts(flooded.flood.statuses)}; server idle ${idle} after the flood stopped, then GET /health: ${health.text}`,
    },
  );
}

let lastBigInsertSeconds;

/** Expiry of the "live" bulk rows: two hours ahead, like a fresh browser session. */
const live = () => Date.now() + 2 * 3600_000;

/** Signed-in GET / with 1,000 and then 1,000,000 live sessions in the table. */
async function bigStore(dbFile, measure, signedGet) {
  const template = await sampleSession(dbFile);
  const stored = await countRows(dbFile);
  if (stored < SMALL_ROWS)
    await insertSessions(dbFile, SMALL_ROWS - stored, { template, expired: live });
  const measureStored = async (id, options) => {
    const count = await countRows(dbFile);
    await measure(
      id,
      `signed-in GET / with ${count.toLocaleString('en-US')} sessions stored`,
      32,
      signedGet,
      is2xx,
      options,
    );
    return count;
  };
  const small = await measureStored('get-1k');
  say(`inserting ${(BIG_ROWS - small).toLocaleString('en-US')} sessions`);
  const { seconds } = await insertSessions(dbFile, BIG_ROWS - small, { template, expired: live });
  lastBigInsertSeconds = seconds;
  await measureStored('get-1m', { warmup: SCENARIO_WARMUP + 2 });
  notes.push(
    `Inserting ${(BIG_ROWS - small).toLocaleString('en-US')} sessions in one transaction took ${seconds.toFixed(1)} s.`,
  );
}

/**
 * The longest request stall while the app purges BIG_ROWS expired rows. A fresh sqlite server
 * with a short SESSION_PURGE_INTERVAL; the rows are inserted (one transaction) with an expiry a
 * few seconds after the insert will have finished, so the load (4 connections, signed-in GET /)
 * is already running when they expire and the next timer tick purges them.
 */
async function benchPurge() {
  const scenario = `signed-in GET / during the purge of ${BIG_ROWS.toLocaleString('en-US')} expired rows`;
  const purgeRow = (fields) =>
    addRow(
      TARGETS.find((t) => t.id === 'app-sqlite'),
      'purge',
      scenario,
      4,
      fields,
    );
  say('purge: starting a sqlite server');
  const started = await startServer({
    name: 'app-sqlite-purge',
    script: APP,
    ...AS_NPM_START,
    cwd: ROOT,
    env: {
      ...APP_ENV,
      SESSION_STORE: 'sqlite',
      SESSION_PURGE_INTERVAL: String(PURGE_INTERVAL),
    },
    readyPath: '/health',
  });
  if (!started.ok) {
    purgeRow({ na: started.reason });
    return;
  }
  const server = started.server;
  const dbFile = join(server.dataDir, 'sessions.db');
  try {
    const pool = await sessionPool(server.base, 4, USER.name, USER.password);
    const signedGet = (i) => [
      { method: 'GET', path: '/', headers: { cookie: pool[i % pool.length].cookie } },
    ];
    await runLoad({
      url: server.base,
      connections: 4,
      duration: TARGET_WARMUP,
      requestsFor: signedGet,
      expect: () => true,
    });
    const template = await sampleSession(dbFile);
    // Generous: a late insert would let the purge start before the load (reported in Notes).
    const estimate = Math.max(45, (lastBigInsertSeconds ?? BIG_ROWS / 50_000) * 2.5);
    const expiresAt = Math.round(Date.now() + estimate * 1000);
    say(
      `purge: inserting ${BIG_ROWS.toLocaleString('en-US')} rows expiring in ${estimate.toFixed(0)} s`,
    );
    const { firstSid } = await insertSessions(dbFile, BIG_ROWS, {
      template,
      expired: () => expiresAt,
    });
    const late = Date.now() - expiresAt;
    if (late > 0)
      notes.push(
        `Purge step: the insert ended ${late} ms after the rows expired; the purge may have started before the load.`,
      );

    const purgeLogs = [];
    const stopListening = server.onLine((line) => {
      const match = /purged (\d+) expired sessions/.exec(line);
      if (match) purgeLogs.push(Number(match[1]));
    });
    let stopLoad;
    const until = new Promise((done) => (stopLoad = done));
    const expiresAtPerf = performance.now() + (expiresAt - Date.now());
    const load = runLoad({
      url: server.base,
      connections: 4,
      duration: 3600,
      requestsFor: signedGet,
      expect: is2xx,
      pid: server.pid,
      timeline: true,
      until,
    });
    let purgeStart;
    let purgeEnd;
    const deadline = expiresAt + PURGE_INTERVAL * 1000 + 300_000;
    while (Date.now() < deadline) {
      await sleep(100);
      if (Date.now() <= expiresAt) continue;
      if (purgeStart === undefined && (await firstSidExpiringAt(dbFile, expiresAt)) !== firstSid) {
        purgeStart = performance.now() - 100;
      }
      if (!(await hasRowsExpiringBy(dbFile, expiresAt))) {
        purgeEnd = performance.now();
        break;
      }
    }
    await sleep(1000);
    stopLoad();
    const result = await load;
    stopListening();
    const left = await countRows(dbFile, 'WHERE expired <= ?', [expiresAt]);

    // Requests in flight at any moment of the purge (from its first deleted row to its last),
    // and, for comparison, those that ended before it started.
    const from = purgeStart ?? expiresAtPerf;
    const to = purgeEnd ?? Infinity;
    const during = [];
    const before = [];
    for (let k = 0; k < result.ends.length; k++) {
      const end = result.ends[k];
      const latency = result.latencies[k];
      if (end >= from && end - latency <= to) during.push(latency);
      else if (end < from) before.push(latency);
    }
    const duringStats = summarize(during);
    const beforeStats = summarize(before);
    const duration = purgeEnd && purgeStart ? ((purgeEnd - purgeStart) / 1000).toFixed(1) : '?';
    purgeRow({
      result,
      stall: duringStats.max ?? 0,
      purgeDone: left === 0 && purgeEnd !== undefined,
      note:
        `during the purge: longest ${fmtMs(duringStats.max)} ms, p99 ${fmtMs(duringStats.p99)} ms ` +
        `of ${duringStats.count.toLocaleString('en-US')} requests; before it: longest ` +
        `${fmtMs(beforeStats.max)} ms, p99 ${fmtMs(beforeStats.p99)} ms of ` +
        `${beforeStats.count.toLocaleString('en-US')}; purge took ${duration} s; rows left: ${left}`,
    });
    if (purgeLogs.length > 1) {
      notes.push(
        `Purge step: the app logged ${purgeLogs.length} purge runs (${purgeLogs.join(' + ')} rows): runs overlapped or the purge spanned several timer ticks (interval ${PURGE_INTERVAL} s).`,
      );
    }
  } catch (error) {
    purgeRow({ na: `harness error: ${error.message}` });
    say(`purge: error ${error.stack}`);
  } finally {
    const exit = await server.stop();
    if (exit && exit.code !== 0)
      notes.push(`The purge-step server exited with ${exit.code ?? exit.signal} on SIGTERM.`);
  }
}

/**
 * Metrics on vs off (the "Operating it" issue): two app (sqlite) servers, one with METRICS_PORT,
 * both signed-in GET / at 32 connections, measured in alternating rounds (off, on, then on, off…)
 * so drift from the other work on the machine falls on both. Compared by the server's CPU time
 * per request (utime + stime from /proc over the whole run): other processes on the shared
 * machine change the rate far more than they change what one request costs.
 */
async function metricsCost() {
  const sides = [
    { id: 'metrics-off', label: 'app (sqlite), metrics off', env: {} },
    { id: 'metrics-on', label: 'app (sqlite), metrics on', env: { METRICS_PORT: '' } },
  ];
  try {
    for (const side of sides) {
      if (side.env.METRICS_PORT !== undefined) side.env.METRICS_PORT = String(await freePort());
      const started = await startServer({
        name: side.id,
        script: APP,
        ...AS_NPM_START,
        cwd: ROOT,
        env: { ...APP_ENV, SESSION_STORE: 'sqlite', ...side.env },
        readyPath: '/health/ready',
      });
      if (!started.ok) throw new Error(`${side.id} did not start: ${started.reason}`);
      side.server = started.server;
      const pool = await sessionPool(side.server.base, POOL, USER.name, USER.password);
      side.requests = (i) => [
        { method: 'GET', path: '/', headers: { cookie: pool[i % pool.length].cookie } },
      ];
      side.runs = [];
    }
    for (let round = 0; round < METRICS_ROUNDS; round++) {
      for (const side of round % 2 ? sides.toReversed() : sides) {
        say(`${side.id}: signed-in GET / @32, round ${round + 1} of ${METRICS_ROUNDS}`);
        const ticks = cpuTicks(readFileSync(`/proc/${side.server.pid}/stat`, 'utf8'));
        const result = await runLoad({
          url: side.server.base,
          connections: 32,
          warmup: round === 0 ? TARGET_WARMUP : SCENARIO_WARMUP,
          duration: DURATION,
          requestsFor: side.requests,
          expect: is2xx,
          pid: side.server.pid,
        });
        const used = cpuTicks(readFileSync(`/proc/${side.server.pid}/stat`, 'utf8')) - ticks;
        // Clock ticks are 10 ms; the whole run (warm-up included) over all its responses.
        result.cpuMsPerRequest = (used * 10) / result.allResponses;
        side.runs.push(result);
      }
    }
    for (const side of sides) {
      const median = side.runs.toSorted((a, b) => a.rps - b.rps)[side.runs.length >> 1];
      const cpu = side.runs.reduce((sum, run) => sum + run.cpuMsPerRequest, 0) / side.runs.length;
      addRow(side, 'metrics', 'signed-in GET / (median round)', 32, {
        result: median,
        cpuMsPerRequest: cpu,
        note: `server CPU per request ${cpu.toFixed(3)} ms (mean of rounds)`,
      });
    }
    const on = sides[1];
    const scraped = await send(`http://127.0.0.1:${on.env.METRICS_PORT}`, undefined, '/metrics');
    const timed =
      /http_request_duration_seconds_count\{method="GET",route="\/",status="200"\} (\d+)/.exec(
        scraped.text,
      );
    notes.push(
      `Metrics on vs off: ${METRICS_ROUNDS} alternating round(s) of ${DURATION} s each, both servers on the same core, on a machine shared with other work (compare the ratio, not the rates); rates per round, off: ${sides[0].runs.map((run) => fmtRate(run.rps)).join(', ')}; on: ${on.runs.map((run) => fmtRate(run.rps)).join(', ')} req/s; server CPU ms per request, off: ${sides[0].runs.map((run) => run.cpuMsPerRequest.toFixed(3)).join(', ')}; on: ${on.runs.map((run) => run.cpuMsPerRequest.toFixed(3)).join(', ')}. ` +
        `The metrics-on server had timed ${timed ? Number(timed[1]).toLocaleString('en-US') : 'no (scrape failed)'} signed-in GET / requests by the end.`,
    );
  } catch (error) {
    for (const side of sides)
      if (!find(side.id, 'metrics'))
        addRow(side, 'metrics', 'signed-in GET /', 32, { na: `harness error: ${error.message}` });
    say(`metrics: error ${error.stack}`);
  } finally {
    for (const side of sides) await side.server?.stop();
  }
}

function find(targetId, key, connections) {
  return rows.find(
    (row) =>
      row.targetId === targetId &&
      row.key === key &&
      (connections === undefined || row.connections === connections),
  );
}

/** Why a check has no number: the first of its rows that is n/a or absent. */
function missing(...found) {
  const index = found.findIndex((row) => !row || row.na);
  if (index < 0) return undefined;
  const gone = found[index];
  return gone ? `${gone.target} ${gone.scenario}: ${gone.na}` : 'not measured in this run';
}
const ratio = (a, b) => a.result.rps / b.result.rps;
const rate = (row) => `${fmtRate(row.result.rps)} req/s`;

/** The issue's targets, each PASS / FAIL, or n/a with the reason a number is missing. */
function checks() {
  const list = [];
  const add = (ok, text) =>
    list.push({ status: ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL', text });
  if (FLOOR === 'only') {
    floorChecks({ targets: FLOOR_TARGETS, find, add });
    errorsCheck(add);
    return list;
  }

  for (const connections of [32, 128]) {
    const sqlite = find('app-sqlite', 'get-signed', connections);
    const memory = find('app-memory', 'get-signed', connections);
    const baseline = find('baseline', 'get-signed', connections);
    const wal = find('baseline-wal', 'get-signed', connections);
    let why = missing(sqlite, memory);
    if (why) add(undefined, `signed-in GET / @${connections}: SQLite ≥ 0.9 × memory — ${why}`);
    else {
      const r = ratio(sqlite, memory);
      add(
        r >= 0.9,
        `signed-in GET / @${connections}: SQLite ${rate(sqlite)} = ${r.toFixed(2)} × memory (${rate(memory)}); target ≥ 0.9`,
      );
    }
    why = missing(sqlite, baseline);
    if (why) add(undefined, `signed-in GET / @${connections}: SQLite ≥ 1.1 × baseline — ${why}`);
    else {
      const r = ratio(sqlite, baseline);
      const walText =
        wal && !wal.na
          ? `; ${ratio(sqlite, wal).toFixed(2)} × the WAL baseline (${rate(wal)})`
          : '';
      add(
        r >= 1.1,
        `signed-in GET / @${connections}: SQLite = ${r.toFixed(2)} × the hand-built baseline (${rate(baseline)})${walText}; target ≥ 1.1`,
      );
    }
  }

  // The framework floor: throughput and p99 as ratios to a minimal Nest app of the same run.
  if (FLOOR !== 'skip') floorChecks({ targets: FLOOR_TARGETS, find, add });

  // PostgreSQL sessions against express-session + connect-pg-simple, in the same run.
  for (const [key, connections, what] of [
    ['get-signed', 32, 'signed-in GET / @32'],
    ['get-signed', 128, 'signed-in GET / @128'],
    ['prefs', 32, 'session write POST /preferences @32'],
  ]) {
    const ours = find('app-postgres', key, connections);
    const theirs = find('baseline-pg', key, connections);
    const why = missing(ours, theirs);
    if (why) add(undefined, `${what}: PostgreSQL ≥ 1.1 × connect-pg-simple — ${why}`);
    else {
      const r = ratio(ours, theirs);
      add(
        r >= 1.1,
        `${what}: PostgreSQL ${rate(ours)} = ${r.toFixed(2)} × connect-pg-simple (${rate(theirs)}); target ≥ 1.1`,
      );
    }
  }

  for (const store of process.env.BENCH_BEFORE ? ['sqlite', 'redis'] : []) {
    for (const [key, connections] of [
      ['get-signed', 32],
      ['get-signed', 128],
      ['prefs', 32],
    ]) {
      const after = find(`app-${store}`, key, connections);
      const before = find(`before-${store}`, key, connections);
      const what = `${store} ${key} @${connections}: after ≥ 0.9 × before`;
      const why = missing(after, before);
      if (why) add(undefined, `${what} — ${why}`);
      else
        add(
          ratio(after, before) >= 0.9,
          `${what}: ${rate(after)} = ${ratio(after, before).toFixed(2)} × ${rate(before)}`,
        );
    }
  }

  const small = find('app-sqlite', 'get-1k');
  const big = find('app-sqlite', 'get-1m');
  if (BIG_ROWS === 0)
    add(
      undefined,
      'throughput with 1,000,000 sessions within 10% of 1,000 — skipped (BENCH_QUICK / BENCH_ROWS=0 / BENCH_FLOOD=only)',
    );
  else {
    const why = missing(small, big);
    if (why)
      add(
        undefined,
        `throughput with ${BIG_ROWS.toLocaleString('en-US')} sessions within 10% of 1,000 — ${why}`,
      );
    else {
      const r = ratio(big, small);
      add(
        r >= 0.9,
        `signed-in GET / with ${BIG_ROWS.toLocaleString('en-US')} sessions: ${rate(big)} = ${r.toFixed(2)} × with 1,000 (${rate(small)}); target ≥ 0.90`,
      );
    }
  }

  const prefs = find('app-sqlite', 'prefs');
  for (const [id, factor, what, goal] of [
    ['baseline-wal', 1.0, "≥ 1.0 × the baseline's session write in WAL mode", '≥ 1.0'],
    [
      'baseline',
      2.0,
      "far above the baseline's default rollback-journal mode (taken as ≥ 2×)",
      '"far above", taken as ≥ 2.0',
    ],
  ]) {
    const other = find(id, 'prefs');
    const why = missing(prefs, other);
    if (why)
      add(undefined, `session write POST /preferences (SQLite, synchronous=FULL) ${what} — ${why}`);
    else {
      const r = ratio(prefs, other);
      add(
        r >= factor,
        `session write POST /preferences: SQLite ${rate(prefs)} = ${r.toFixed(2)} × ${other.target} (${rate(other)}); target ${goal}`,
      );
    }
  }

  const purge = find('app-sqlite', 'purge');
  if (BIG_ROWS === 0)
    add(undefined, 'purge stall ≤ 50 ms — skipped (BENCH_QUICK / BENCH_ROWS=0 / BENCH_FLOOD=only)');
  else if (missing(purge)) add(undefined, `purge stall ≤ 50 ms — ${missing(purge)}`);
  else if (!purge.purgeDone)
    add(false, `purge stall ≤ 50 ms — the purge did not finish (${purge.note})`);
  else
    add(
      purge.stall <= 50,
      `purge of ${BIG_ROWS.toLocaleString('en-US')} expired rows: longest request ${fmtMs(purge.stall)} ms; target ≤ 50 ms`,
    );

  for (const target of TARGETS.filter((t) => t.app)) {
    const measured = rows.filter(
      (row) => row.targetId === target.id && row.result?.peakRss !== undefined,
    );
    if (measured.length === 0) {
      const na = rows.find((row) => row.targetId === target.id && row.na);
      add(undefined, `${target.label} RSS under load < 200 MB — ${na ? na.na : 'not measured'}`);
      continue;
    }
    const top = measured.reduce((a, b) => (b.result.peakRss > a.result.peakRss ? b : a));
    add(
      top.result.peakRss < 200,
      `${target.label} peak RSS under load ${top.result.peakRss.toFixed(0)} MB (${top.scenario} @${top.connections}); target < 200 MB`,
    );
  }

  for (const target of TARGETS) {
    const anon = find(target.id, 'get-anon');
    if (!anon) continue;
    if (anon.na) add(undefined, `${target.label}: anonymous GET / creates no session — ${anon.na}`);
    else if (anon.newRows === undefined) {
      add(undefined, `${target.label}: anonymous GET / creates no session — ${anon.note}`);
    } else {
      add(
        anon.newRows === 0,
        `${target.label}: anonymous GET / created ${anon.newRows} sessions ` +
          `(${anon.result.allResponses.toLocaleString('en-US')} requests); target 0`,
      );
    }
  }

  for (const target of TARGETS.filter((t) => t.app && FLOOD !== 'skip')) {
    const quiet = find(target.id, 'flood-quiet');
    const during = find(target.id, 'flood-get');
    const flood = find(target.id, 'flood');
    const why = missing(quiet, during, flood);
    if (why) {
      add(undefined, `${target.label} sign-in flood — ${why}`);
      continue;
    }
    const { result } = flood;
    add(
      result.errors === 0,
      `${target.label} sign-in flood @${flood.connections}: answers ${statusCounts(result.statuses)}${result.timeouts ? `, ${result.timeouts} timed out` : ''}; target only 401/429/503, each within 2 s`,
    );
    const signedIn = during.signIns.filter((r) => r.ok);
    const slowest = Math.max(...during.signIns.map((r) => r.ms));
    add(
      signedIn.length === during.signIns.length && slowest <= 3000,
      `${target.label} a user's sign-ins during the flood: ${signInText(during.signIns)} (without: ${signInText(quiet.signIns)}); target all, each ≤ 3 s`,
    );
    add(
      flood.idleMs !== undefined && flood.idleMs <= 5000 && flood.health.ok,
      `${target.label} server idle (< 5% CPU over 250 ms) ${flood.idleMs === undefined ? 'not within 60 s' : `${(flood.idleMs / 1000).toFixed(2)} s`} after the flood stopped, then GET /health: ${flood.health.text}; target idle ≤ 5 s ("idle again within seconds") and answering`,
    );
  }

  if (METRICS !== 'skip') {
    const off = find('metrics-off', 'metrics');
    const on = find('metrics-on', 'metrics');
    const why = missing(off, on);
    if (why) add(undefined, `metrics on costs < 5% of signed-in GET / — ${why}`);
    else {
      const cost = on.cpuMsPerRequest / off.cpuMsPerRequest - 1;
      add(
        cost < 0.05,
        `signed-in GET / @32 with METRICS_PORT: ${(cost * 100).toFixed(1)}% more server CPU per request (${on.cpuMsPerRequest.toFixed(3)} vs ${off.cpuMsPerRequest.toFixed(3)} ms); ${rate(on)} = ${ratio(on, off).toFixed(2)} × without (${rate(off)}), rates being noisier; target < 5%`,
      );
    }
  }

  errorsCheck(add);
  return list;
}

function errorsCheck(add) {
  const measured = rows.filter((row) => row.result);
  const failing = measured.filter((row) => row.result.errors > 0);
  add(
    measured.length ? failing.length === 0 : undefined,
    failing.length
      ? `errors: ${failing.map((row) => `${row.target} ${row.scenario} @${row.connections}: ${row.result.errors}`).join('; ')}; target 0 everywhere`
      : `0 errors in all ${measured.length} measurements`,
  );
}

async function main() {
  const info = machineInfo(ROOT);
  const only = process.env.BENCH_TARGETS?.split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const targets = (only ? TARGETS.filter((t) => only.includes(t.id)) : TARGETS).filter(
    (t) =>
      (FLOOD !== 'only' || t.app) && METRICS !== 'only' && FLOOR !== 'only' && REDIS !== 'only',
  );
  say(
    `${QUICK ? 'quick' : 'full'} run: ${DURATION} s per measurement; targets ${targets.map((t) => t.id).join(', ')}`,
  );
  const hashMs = await hashCost();
  say(`scrypt alone: ${hashMs.toFixed(1)} ms per hash`);
  for (const target of targets) await benchTarget(target);
  if (BIG_ROWS > 0 && targets.some((t) => t.bigStore)) await benchPurge();
  if (METRICS !== 'skip' && FLOOR !== 'only' && REDIS !== 'only') await metricsCost();
  if (FLOOR !== 'skip' && METRICS !== 'only' && FLOOD !== 'only' && REDIS !== 'only') {
    await floorComparison({
      targets: FLOOR_TARGETS,
      addRow,
      notes,
      say,
      duration: DURATION,
      warmup: SCENARIO_WARMUP,
      rounds: FLOOR_ROUNDS,
      pool: POOL,
      user: USER,
    });
  }
  const redis =
    REDIS === 'skip' || FLOOD === 'only' || METRICS === 'only' || FLOOR === 'only'
      ? undefined
      : await redisComparison({
          duration: DURATION,
          warmup: SCENARIO_WARMUP,
          rounds: METRICS_ROUNDS,
          say,
        });
  rows.push(...(redis?.rows ?? []));
  notes.push(...(redis?.notes ?? []));
  notes.push(
    'peak RSS MB: VmRSS of the Node server process, sampled every 100 ms while measuring; for ' +
      "app (redis) the redis-server process's own memory is not included.",
  );
  notes.push(
    `Password hash alone (scrypt N=2^14, r=8, p=5, 32-byte key), timed in the harness: ${fmtMs(hashMs)} ms per hash, so one core signs in at most ~${fmtRate(1000 / hashMs)} times per second.`,
  );

  const settings = {
    pinning: PINNING
      ? `pinning: servers on core ${SERVER_CORE}, load generators (autocannon in the harness; wrk, its child) on core ${LOAD_CORE}, via taskset`
      : 'pinning: none (taskset missing or fewer than 2 cores): server and load generator share the CPUs',
    mode: QUICK
      ? `quick run (BENCH_QUICK=1): ${DURATION} s per measurement, ${POOL} sessions per target, no million-row steps — a smoke test, not numbers to compare`
      : `${DURATION} s per measurement after a ${SCENARIO_WARMUP} s warm-up (${TARGET_WARMUP} s per target first); ${POOL} signed-in sessions per target; sign-in and write loads give each connection its own session`,
  };
  if (FLOOD === 'only')
    settings.mode += '; BENCH_FLOOD=only: app targets, sign-in flood scenario only';
  if (METRICS === 'only') settings.mode += '; BENCH_METRICS=only: metrics on vs off only';
  if (FLOOR === 'only') settings.mode += '; BENCH_FLOOR=only: the framework floor comparison only';
  if (REDIS === 'only')
    settings.mode += '; BENCH_REDIS=only: the Redis store vs connect-redis only';
  const markdown = await prettify(
    report({
      info,
      settings,
      rows,
      checks: [...checks(), ...(redis?.checks ?? [])],
      notes,
      finishedLoad: loadavg()[0],
    }),
    join(RESULTS, 'latest.md'),
  );
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.md'), markdown);
  writeFileSync(
    join(RESULTS, 'latest.json'),
    `${JSON.stringify({ info, settings, rows: rows.map(({ result, ...row }) => ({ ...row, result: result && { ...result, latencies: undefined, ends: undefined } })) }, null, 2)}\n`,
  );
  process.stdout.write(markdown);
}

await main();
