// Session reads per second through the SQLite store, 32 at a time on one core, as 32 busy
// connections would ask: the store batches the reads of one event-loop turn into one query.
// Uses the package's built store. Run: npm run build && taskset -c 0 node bench/read-rate.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SESSION_DEFAULTS, SessionLifetime } from 'nest-session-auth';
import { SqliteSessionStore } from '../packages/nest-session-auth/dist/session/stores/sqlite-session.store.js';

const SESSIONS = 1000;
const READS = 40_000;
const CONCURRENCY = 32;

const dir = mkdtempSync(join(tmpdir(), 'nsa-read-rate-'));
const lifetime = new SessionLifetime(SESSION_DEFAULTS);
const store = await SqliteSessionStore.open(join(dir, 'sessions.db'), lifetime);
const get = promisify(store.get.bind(store));
const set = promisify(store.set.bind(store));

const now = Date.now();
for (let i = 0; i < SESSIONS; i++) {
  const data = {
    cookie: { originalMaxAge: null },
    user: { id: 'u', name: 'bench' },
    createdAt: now,
    lastSeen: now,
  };
  await set(`s${i}`, data);
}

let next = 0;
const cpu = process.cpuUsage();
const started = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < READS) {
      const sid = `s${next++ % SESSIONS}`;
      if (!(await get(sid))) throw new Error(`${sid} not found`);
    }
  }),
);
const elapsed = performance.now() - started;
const used = process.cpuUsage(cpu);
console.log(
  `store.get, ${CONCURRENCY} concurrent: ${Math.round((READS / elapsed) * 1000).toLocaleString('en-US')}/s, ` +
    `${((used.user + used.system) / READS).toFixed(1)} µs of CPU each`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
