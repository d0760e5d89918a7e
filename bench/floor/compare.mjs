// The framework floor (issue 17): signed-in GET / of the app against a minimal Nest app and
// bare Express rendering the same page for a fixed user (nest-floor.mjs, express-floor.mjs),
// all started together on the server core and measured in interleaved rounds (each round: every
// target at 32, then at 128 connections, with autocannon and then wrk), so drift on a shared
// machine falls on all of them; each figure is the median of the rounds. Also `npm start` as
// shipped against plain `node dist/main.js`, and, with BENCH_BEFORE, the same for the build in
// that checkout. Every figure of the app is read as a ratio to the Nest floor of the same run.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { sessionPool } from '../lib/http.mjs';
import { is2xx, runLoad } from '../lib/load.mjs';
import { cpuTicks, npmStartCommand, startRedis, startServer } from '../lib/proc.mjs';
import { fmtMs, fmtRate } from '../lib/report.mjs';
import { runWrk, WRK, WRK_MISSING } from '../lib/wrk.mjs';

export const CONNECTIONS = [32, 128];
export const FLOOR_ID = 'floor-nest';
const HERE = import.meta.dirname;

/** The targets of the comparison: the floors, then the app (and the BENCH_BEFORE build). */
export function floorTargets(root, before) {
  const builds = [{ prefix: 'app', label: 'app', root }];
  if (before) builds.push({ prefix: 'before', label: 'before', root: before });
  const targets = [
    { id: FLOOR_ID, label: 'floor: Nest + hbs', script: join(HERE, 'nest-floor.mjs'), floor: true },
    {
      id: 'floor-express',
      label: 'floor: Express + hbs',
      script: join(HERE, 'express-floor.mjs'),
      floor: true,
    },
  ];
  for (const build of builds) {
    const start = npmStartCommand(build.root);
    const script = join(build.root, 'dist', 'main.js');
    for (const store of ['sqlite', 'memory', 'redis']) {
      targets.push({
        id: `${build.prefix}-${store}`,
        label: `${build.label} (${store})`,
        script,
        nodeArgs: start.nodeArgs,
        env: { ...start.env, TRUST_PROXY: '1', SESSION_STORE: store },
        redis: store === 'redis',
        npmStart: true,
      });
    }
    targets.push({
      id: `${build.prefix}-sqlite-node`,
      label: `${build.label} (sqlite, plain node)`,
      script,
      nodeArgs: [],
      env: { TRUST_PROXY: '1', SESSION_STORE: 'sqlite' },
      plainNodeOf: `${build.prefix}-sqlite`,
    });
  }
  return targets;
}

const median = (values) => values.toSorted((a, b) => a - b)[values.length >> 1];

/** One figure from the rounds: the median of each number, the peak of RSS, the sum of errors. */
function combine(runs) {
  const byRate = runs.toSorted((a, b) => a.rps - b.rps)[runs.length >> 1];
  return {
    ...byRate,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    socketErrors: runs.reduce((sum, r) => sum + r.socketErrors, 0),
    unexpected: runs.reduce((sum, r) => sum + r.unexpected, 0),
    peakRss: Math.max(...runs.map((r) => r.peakRss ?? 0)) || undefined,
    cpuMsPerRequest: median(runs.map((r) => r.cpuMsPerRequest)),
    loads: runs.map((r) => r.load),
  };
}

/**
 * Runs the comparison; adds one row per target, load generator and connection count through
 * `addRow(target, key, scenario, connections, fields)`, and notes. Keys: `floor-autocannon`,
 * `floor-wrk`.
 */
export async function floorComparison({
  targets,
  addRow,
  notes,
  say,
  duration,
  warmup,
  rounds,
  pool,
  user,
}) {
  const generators = WRK ? ['autocannon', 'wrk'] : ['autocannon'];
  if (!WRK) {
    say(WRK_MISSING);
    notes.push(WRK_MISSING);
  }
  const up = [];
  try {
    for (const target of targets) {
      say(`floor: starting ${target.id}`);
      const redis = target.redis ? await startRedis() : undefined;
      const env = { ...target.env, ...(redis && { REDIS_URL: redis.url }) };
      if (target.redis && !redis) {
        addRow(target, 'floor-autocannon', 'signed-in GET /', undefined, {
          na: 'no redis-server found',
        });
        continue;
      }
      const started = await startServer({
        name: target.id,
        script: target.script,
        nodeArgs: target.nodeArgs,
        cwd: join(HERE, '..', '..'),
        env,
        readyPath: target.floor ? '/' : '/health',
      });
      if (!started.ok) {
        await redis?.stop();
        addRow(target, 'floor-autocannon', 'signed-in GET /', undefined, { na: started.reason });
        continue;
      }
      const server = started.server;
      const sessions = target.floor
        ? []
        : await sessionPool(server.base, pool, user.name, user.password);
      up.push({ target, server, redis, cookies: sessions.map((s) => s.cookie), runs: {} });
    }
    // Idle servers each hold a core's worth of nothing; only the one measured is busy.
    for (let round = 0; round < rounds; round++) {
      for (const connections of CONNECTIONS) {
        for (const side of up) {
          for (const generator of generators) {
            say(
              `floor: round ${round + 1}/${rounds}, ${side.target.id} @${connections}, ${generator}`,
            );
            const result = await measure(
              side,
              generator,
              connections,
              duration,
              round === 0 ? warmup * 2 : warmup,
            );
            (side.runs[`${generator}@${connections}`] ??= []).push(result);
          }
        }
      }
    }
    for (const side of up) {
      for (const generator of generators) {
        for (const connections of CONNECTIONS) {
          const runs = side.runs[`${generator}@${connections}`];
          if (!runs?.length) continue;
          const result = combine(runs);
          addRow(
            side.target,
            `floor-${generator}`,
            `signed-in GET / (${generator}, median of ${runs.length})`,
            connections,
            {
              result,
              cpuMsPerRequest: result.cpuMsPerRequest,
              note: `${result.cpuMsPerRequest.toFixed(3)} ms CPU/request; load ${result.loads.map((l) => l.toFixed(1)).join('/')}`,
            },
          );
        }
      }
    }
    notes.push(
      `Floor comparison: all ${up.length} servers up together on the server core, ${rounds} interleaved round(s) of ${duration} s per target, connection count and load generator (${generators.join(', ')}); each row is the median of the rounds (RSS: the peak; errors: the sum). CPU/request is the server's CPU time (/proc, warm-up included) over all its responses; load is the 1-minute load average as each run ended.`,
    );
  } finally {
    for (const side of up) {
      await side.server.stop();
      await side.redis?.stop();
    }
  }
}

async function measure(side, generator, connections, duration, warmup) {
  const { server, cookies } = side;
  const stat = () => cpuTicks(readFileSync(`/proc/${server.pid}/stat`, 'utf8'));
  const ticks = stat();
  const result =
    generator === 'wrk'
      ? await runWrk({ url: server.base, connections, duration, warmup, cookies, pid: server.pid })
      : await runLoad({
          url: server.base,
          connections,
          warmup,
          duration,
          requestsFor: (i) => [
            {
              method: 'GET',
              path: '/',
              headers: cookies.length ? { cookie: cookies[i % cookies.length] } : {},
            },
          ],
          expect: is2xx,
          pid: server.pid,
        });
  const used = stat() - ticks;
  // autocannon's allResponses includes the warm-up; wrk's warm-up is a run of its own.
  const responses =
    generator === 'wrk'
      ? result.allResponses * ((duration + warmup) / duration)
      : result.allResponses;
  result.cpuMsPerRequest = (used * 10) / responses;
  result.load = loadavg()[0];
  return result;
}

/** The targets for the comparison, for run.mjs's checks. */
export function floorChecks({ targets, find, add }) {
  const generators = WRK ? ['autocannon', 'wrk'] : ['autocannon'];
  for (const generator of generators) {
    const key = `floor-${generator}`;
    for (const connections of CONNECTIONS) {
      const floor = find(FLOOR_ID, key, connections);
      const express = find('floor-express', key, connections);
      for (const target of targets.filter((t) => t.npmStart)) {
        const row = find(target.id, key, connections);
        const what = `${target.label} signed-in GET / @${connections} (${generator})`;
        if (!floor?.result || !row?.result) {
          add(
            undefined,
            `${what} ≥ 0.8 × the Nest floor — ${(row ?? floor)?.na ?? 'not measured'}`,
          );
          continue;
        }
        const r = row.result.rps / floor.result.rps;
        const vsExpress = express?.result
          ? `; ${(row.result.rps / express.result.rps).toFixed(2)} × bare Express (${fmtRate(express.result.rps)})`
          : '';
        add(
          r >= 0.8,
          `${what}: ${fmtRate(row.result.rps)} req/s = ${r.toFixed(2)} × the Nest floor (${fmtRate(floor.result.rps)})${vsExpress}; target ≥ 0.8`,
        );
        const p = row.result.p99 / floor.result.p99;
        add(
          p <= 1.2,
          `${what}: p99 ${fmtMs(row.result.p99)} ms = ${p.toFixed(2)} × the floor's (${fmtMs(floor.result.p99)} ms); target ≤ 1.2`,
        );
      }
      for (const target of targets.filter((t) => t.plainNodeOf)) {
        const node = find(target.id, key, connections);
        const started = find(target.plainNodeOf, key, connections);
        const what = `${target.plainNodeOf}: npm start vs plain node @${connections} (${generator})`;
        if (!node?.result || !started?.result) {
          add(undefined, `${what} — not measured`);
          continue;
        }
        const r = started.result.rps / node.result.rps;
        add(
          r >= 1.0,
          `${what}: ${fmtRate(started.result.rps)} vs ${fmtRate(node.result.rps)} req/s = ${r.toFixed(2)} ×, peak RSS ${started.result.peakRss?.toFixed(0)} vs ${node.result.peakRss?.toFixed(0)} MB; target ≥ 1.0`,
        );
      }
    }
  }
  for (const target of targets.filter((t) => !t.floor)) {
    const peaks = generators
      .flatMap((g) => CONNECTIONS.map((c) => find(target.id, `floor-${g}`, c)?.result?.peakRss))
      .filter((v) => v !== undefined);
    if (peaks.length === 0) continue;
    const peak = Math.max(...peaks);
    add(
      peak < 200,
      `${target.label} peak RSS under the floor comparison's load ${peak.toFixed(0)} MB; target < 200 MB`,
    );
  }
}
