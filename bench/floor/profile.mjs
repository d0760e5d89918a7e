// Where a signed-in GET / spends its CPU, against the floor: starts one target pinned to the
// server core with V8's CPU profiler, loads it with autocannon at 32 connections, stops it and
// prints the server's CPU time and young/old GC counts per request, and its self time grouped
// by package (and the top functions). Load-independent enough to compare builds on a busy
// machine: it reports CPU per request, not requests per second.
//
//   node bench/floor/profile.mjs [app|floor-nest|floor-express] [seconds]
//   PROFILE_STORE=memory|redis|sqlite   PROFILE_APP=DIR (another built checkout)
//   PROFILE_CPU=0 (no profiler: CPU per request without its overhead)
//   PROFILE_NODE_ARGS="--single-threaded-gc"   (default: npm start's flags; "" for plain node)
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sessionPool } from '../lib/http.mjs';
import { is2xx, runLoad } from '../lib/load.mjs';
import { cpuTicks, npmStartCommand, startRedis, startServer } from '../lib/proc.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const [which = 'app', seconds = '10'] = process.argv.slice(2);
const appRoot = resolve(process.env.PROFILE_APP ?? ROOT);
const start = npmStartCommand(appRoot);
const nodeArgs =
  process.env.PROFILE_NODE_ARGS === undefined
    ? start.nodeArgs
    : process.env.PROFILE_NODE_ARGS.split(/\s+/).filter(Boolean);
const profDir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
const store = process.env.PROFILE_STORE ?? 'sqlite';
/** PROFILE_CPU=0: no CPU profiler, for CPU per request without its overhead. */
const CPU_PROF = process.env.PROFILE_CPU !== '0';
const redis = which === 'app' && store === 'redis' ? await startRedis() : undefined;
const started = await startServer({
  name: which,
  script:
    which === 'app'
      ? join(appRoot, 'dist', 'main.js')
      : join(import.meta.dirname, `${which.replace('floor-', '')}-floor.mjs`),
  cwd: ROOT,
  nodeArgs: [
    ...nodeArgs,
    ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
    '--trace-gc',
  ],
  env:
    which === 'app'
      ? {
          ...start.env,
          TRUST_PROXY: '1',
          SESSION_STORE: store,
          ...(redis && { REDIS_URL: redis.url }),
        }
      : {},
  readyPath: which === 'app' ? '/health' : '/',
});
if (!started.ok) throw new Error(started.reason);
const { server } = started;
const cookies =
  which === 'app'
    ? (await sessionPool(server.base, 32, 'prof-user', 'correct horse battery')).map(
        (s) => s.cookie,
      )
    : [];
const requestsFor = (i) => [
  {
    method: 'GET',
    path: '/',
    headers: cookies.length ? { cookie: cookies[i % cookies.length] } : {},
  },
];
const warm = await runLoad({
  url: server.base,
  connections: 32,
  duration: 3,
  requestsFor,
  expect: is2xx,
});
const gc = { young: 0, old: 0 };
const t0 = cpuTicks(readFileSync(`/proc/${server.pid}/stat`, 'utf8'));
const off = server.onLine((line) => {
  if (/Scavenge/.test(line)) gc.young++;
  else if (/Mark-Compact|Mark-sweep/.test(line)) gc.old++;
});
const result = await runLoad({
  url: server.base,
  connections: 32,
  duration: Number(seconds),
  requestsFor,
  expect: is2xx,
  pid: server.pid,
});
const used = cpuTicks(readFileSync(`/proc/${server.pid}/stat`, 'utf8')) - t0;
off();
await server.stop();
await redis?.stop();
const n = result.allResponses;
console.log(
  `${which}${which === 'app' ? ` (${store}, ${appRoot === ROOT ? 'this build' : appRoot})` : ''}, node ${nodeArgs.join(' ') || '(no flags)'}: ${Math.round(result.rps)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, errors ${result.errors}, peak RSS ${result.peakRss?.toFixed(0)} MB\n` +
    `CPU ${((used * 10 * 1000) / n).toFixed(0)} µs/request; GC per 1,000 requests: ${((gc.young * 1000) / n).toFixed(1)} scavenges, ${((gc.old * 1000) / n).toFixed(2)} mark-compacts`,
);

// Self time by package and by function.
if (!CPU_PROF) process.exit(0);
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const dt = new Map();
for (let i = 0; i < profile.samples.length; i++)
  dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
const total = [...dt.values()].reduce((a, b) => a + b, 0);
const groups = new Map();
const fns = new Map();
const pkg = (url) => {
  if (!url) return '(native/vm)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return url;
  if (url.includes('/packages/nest-session-auth/')) return 'nest-session-auth';
  if (url.includes('/dist/')) return 'app';
  if (url.includes('/bench/')) return 'bench floor';
  return url;
};
for (const [id, us] of dt) {
  const node = byId.get(id);
  const cf = node.callFrame;
  const g = cf.url ? pkg(cf.url) : cf.functionName || '(native)';
  groups.set(g, (groups.get(g) ?? 0) + us);
  const where = cf.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/[^/]+\//, '');
  const key = `${cf.functionName || '(anon)'} ${where}:${cf.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
}
console.log(
  `\nprofile: ${(total / 1000).toFixed(0)} ms sampled over ${n} requests (warm-up included in samples)`,
);
// Per request: over every request the profile saw (warm-up included); start-up lands in its own groups.
const served = n + warm.allResponses;
for (const [g, us] of [...groups].toSorted((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(
    `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / served).toFixed(1).padStart(6)} µs/req  ${g}`,
  );
console.log('\ntop functions (self):');
for (const [f, us] of [...fns]
  .toSorted((a, b) => b[1] - a[1])
  .slice(0, Number(process.env.PROFILE_TOP ?? 40)))
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${f}`);
