// The Redis store against a hand-built Express + express-session + connect-redis app, in the
// same run, in alternating rounds (so drift from other work on the machine falls on both); and
// the cost of WAIT: the app behind Sentinel with one replica, REDIS_MIN_REPLICAS=1 against 0.
// Part of `npm run bench` (BENCH_REDIS=0 skips it, BENCH_REDIS=only runs nothing else); alone:
// `npm run build && node bench/redis-compare.mjs` (BENCH_DURATION, BENCH_ROUNDS=3). With
// BENCH_BEFORE=DIR the app built in DIR (another checkout) takes part too, for before/after.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { sessionPool } from './lib/http.mjs';
import { is2xx, is2xxOr3xx, runLoad } from './lib/load.mjs';
import { cpuTicks, npmStartCommand, startRedis, startServer } from './lib/proc.mjs';
import { fmtRate } from './lib/report.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const AS_NPM_START = npmStartCommand(ROOT);
const APP = {
  label: 'app (redis)',
  script: join(ROOT, 'dist', 'main.js'),
  nodeArgs: AS_NPM_START.nodeArgs,
  env: { ...AS_NPM_START.env, TRUST_PROXY: '1', SESSION_STORE: 'redis' },
  ready: '/health',
};
const BASELINE = {
  label: 'baseline (connect-redis)',
  script: join(ROOT, 'bench', 'baseline', 'server.mjs'),
  env: { BASELINE_STORE: 'redis' },
  ready: '/login',
};
const BEFORE = process.env.BENCH_BEFORE && {
  ...APP,
  label: 'before (redis)',
  script: join(resolve(process.env.BENCH_BEFORE), 'dist', 'main.js'),
};
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Signed-in `GET /`, each connection with its own session. */
const signedGet = (pool) => (i) => [
  { method: 'GET', path: '/', headers: { cookie: pool[i % pool.length].cookie } },
];

/** A session write per request: each connection flips its own session's theme. */
const themeFlips = (pool) => (i) => {
  const { cookie, token } = pool[i % pool.length];
  return ['light', 'dark'].map((theme) => ({
    method: 'POST',
    path: '/preferences',
    headers: { ...FORM, cookie },
    body: new URLSearchParams({ theme, ...(token && { _csrf: token }) }).toString(),
  }));
};

const SCENARIOS = [
  { key: 'get-signed', scenario: 'signed-in GET /', requests: signedGet, expect: is2xx },
  {
    key: 'prefs',
    scenario: 'session write POST /preferences',
    requests: themeFlips,
    expect: is2xxOr3xx,
  },
];

/** CPU ticks (10 ms) the processes have used so far. */
const ticks = (pids) =>
  pids.reduce((sum, pid) => sum + cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')), 0);

/**
 * Starts `target` with `env`, signs in 32 sessions, and measures each of `plan` on it, with the
 * CPU time per request of the server and of `redisPids` (Redis work is part of each design's
 * cost, and on a shared machine CPU per request is steadier than the rate).
 */
async function measureTarget(target, env, plan, { duration, warmup, say }, redisPids) {
  const started = await startServer({
    name: target.label.replace(/\W+/g, '-'),
    script: target.script,
    nodeArgs: target.nodeArgs,
    cwd: ROOT,
    env: { ...target.env, ...env },
    readyPath: target.ready,
  });
  if (!started.ok) throw new Error(`${target.label}: ${started.reason}`);
  const { server } = started;
  try {
    const pool = await sessionPool(server.base, 32);
    const results = [];
    for (const { scenario, connections } of plan) {
      say(`${target.label} ${scenario.scenario} @${connections}`);
      const pids = [server.pid, ...redisPids];
      let before;
      const timer = setTimeout(() => (before = ticks(pids)), warmup * 1000);
      const result = await runLoad({
        url: server.base,
        connections,
        warmup,
        duration,
        requestsFor: scenario.requests(pool),
        expect: scenario.expect,
        pid: server.pid,
      });
      clearTimeout(timer);
      result.cpuMsPerRequest = ((ticks(pids) - before) * 10) / (result.rps * result.seconds);
      results.push(result);
    }
    return results;
  } finally {
    await server.stop();
  }
}

/** Rows of the report, one per (target, scenario, connections): the median round, with all rounds in the note. */
function medianRows(label, plan, rounds) {
  return plan.map(({ scenario, connections }, i) => {
    const all = rounds.map((results) => results[i]).toSorted((a, b) => a.rps - b.rps);
    const result = all[Math.floor(all.length / 2)];
    const errors = all.reduce((sum, r) => sum + r.errors, 0);
    const cpu = all.map((r) => r.cpuMsPerRequest).toSorted((a, b) => a - b)[all.length >> 1];
    return {
      target: label,
      targetId: label,
      key: scenario.key,
      scenario: scenario.scenario,
      connections,
      note: `median of ${all.length}: ${all.map((r) => fmtRate(r.rps)).join(', ')} req/s; server + Redis CPU ${cpu.toFixed(3)} ms per request${errors ? `; ${errors} errors in all rounds` : ''}`,
      result,
      cpu,
    };
  });
}

/** A primary, its replica and one Sentinel that knows both, all on the servers' core. */
async function sentinelSetup() {
  const primary = await startRedis();
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
  const dir = mkdtempSync(join(tmpdir(), 'bench-sentinel-'));
  const config = join(dir, 'sentinel.conf');
  writeFileSync(config, `sentinel monitor mymaster 127.0.0.1 ${primary.port} 1\n`);
  const sentinel = await startRedis({ config, args: ['--dir', dir] });
  const client = createClient({ url: sentinel.url });
  await client.connect();
  for (let i = 0; i < 100; i++) {
    const master = await client.sendCommand(['SENTINEL', 'MASTER', 'mymaster']);
    if (Number(master[master.indexOf('num-slaves') + 1]) >= 1) break;
    await sleep(100);
  }
  await client.close();
  return {
    env: { REDIS_SENTINELS: `127.0.0.1:${sentinel.port}` },
    pids: [primary.pid, replica.pid],
    stop: () => Promise.all([sentinel, replica, primary].map((one) => one.stop())),
  };
}

const ratio = (a, b) => a.result.rps / b.result.rps;

/**
 * Runs both comparisons; resolves to report rows, PASS/FAIL checks and notes, in the shape
 * bench/run.mjs prints.
 */
export async function redisComparison({ duration = 10, warmup = 2, rounds = 3, say }) {
  const plan = SCENARIOS.flatMap((scenario) =>
    [32, 128].map((connections) => ({ scenario, connections })),
  );
  const targets = [APP, BASELINE, ...(BEFORE ? [BEFORE] : [])];
  const results = new Map(targets.map((target) => [target, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate which goes first, so none always follows another's load.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    for (const target of order) {
      const redis = await startRedis();
      try {
        const options = { duration, warmup, say };
        const env = { REDIS_URL: redis.url };
        results.get(target).push(await measureTarget(target, env, plan, options, [redis.pid]));
      } finally {
        await redis.stop();
      }
    }
  }
  const [app, baseline, before] = targets.map((target) =>
    medianRows(target.label, plan, results.get(target)),
  );
  const rows = [...app, ...baseline, ...(before ?? [])];
  const checks = plan.flatMap(({ scenario, connections }, i) =>
    [app, before].filter(Boolean).map((ours) => {
      const [mine, theirs] = [ours[i], baseline[i]];
      const r = ratio(mine, theirs);
      return {
        status: r >= 1 ? 'PASS' : 'FAIL',
        text: `${scenario.scenario} @${connections}: ${mine.target} ${fmtRate(mine.result.rps)} req/s = ${r.toFixed(2)} × express-session + connect-redis (${fmtRate(theirs.result.rps)} req/s), medians of ${rounds} rotating rounds (CPU per request, server + Redis: ${mine.cpu.toFixed(3)} vs ${theirs.cpu.toFixed(3)} ms); target ≥ 1.0`,
      };
    }),
  );

  // WAIT: the same app behind Sentinel, each write confirmed by the replica or not.
  const waitPlan = SCENARIOS.map((scenario) => ({ scenario, connections: 32 }));
  const bySetting = { 0: [], 1: [] };
  const setup = await sentinelSetup();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const min of round % 2 ? [1, 0] : [0, 1]) {
        const env = { ...setup.env, REDIS_MIN_REPLICAS: String(min) };
        const options = { duration, warmup, say };
        bySetting[min].push(await measureTarget(APP, env, waitPlan, options, setup.pids));
      }
    }
  } finally {
    await setup.stop();
  }
  const waitRows = [0, 1].flatMap((min) =>
    medianRows(
      `app (redis, Sentinel + 1 replica, REDIS_MIN_REPLICAS=${min})`,
      waitPlan,
      bySetting[min],
    ),
  );
  const notes = waitPlan.map(({ scenario }, i) => {
    const [off, on] = [waitRows[i], waitRows[waitPlan.length + i]];
    return `WAIT cost, ${scenario.scenario} @32 behind Sentinel with one replica: REDIS_MIN_REPLICAS=1 ${fmtRate(on.result.rps)} req/s = ${ratio(on, off).toFixed(2)} × REDIS_MIN_REPLICAS=0 (${fmtRate(off.result.rps)} req/s); p50 ${on.result.p50.toFixed(1)} vs ${off.result.p50.toFixed(1)} ms; CPU per request (server, primary and replica) ${on.cpu.toFixed(3)} vs ${off.cpu.toFixed(3)} ms.`;
  });
  return { rows: [...rows, ...waitRows], checks, notes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { loadavg } = await import('node:os');
  const load = loadavg()[0];
  const { rows, checks, notes } = await redisComparison({
    duration: Number(process.env.BENCH_DURATION) || 10,
    rounds: Number(process.env.BENCH_ROUNDS) || 3,
    say: (text) => process.stderr.write(`[bench] ${text}\n`),
  });
  const { table } = await import('./lib/report.mjs');
  process.stdout.write(
    `${table(rows)}\n\n${checks.map((c) => `- **${c.status}** ${c.text}`).join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\nload average (1 min) at start ${load.toFixed(2)}, at end ${loadavg()[0].toFixed(2)}\n`,
  );
}
