// The second load generator: wrk (C, event-driven, from Debian: `apt-get install wrk`), so no
// figure rests on one client's behaviour. Runs as a child of the harness and so on the
// harness's core. One thread; each request takes the next of the given Cookie headers in turn
// (a Lua `request()`), so the load spreads over the signed-in sessions as autocannon's does.
// wrk counts socket errors, timeouts and responses >= 400 as errors (not other statuses).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from './proc.mjs';
import { sampleRss } from './proc.mjs';

export const WRK = which('wrk');
export const WRK_MISSING =
  'wrk not found: install it with `sudo apt-get install wrk` (Debian/Ubuntu) for the second load generator; measuring with autocannon only';

const lua = (cookies) => `
local cookies = { ${cookies.map((c) => JSON.stringify(c)).join(', ')} }
local n = 0
request = function()
  n = n + 1
  if #cookies == 0 then return wrk.format("GET", "/") end
  return wrk.format("GET", "/", { ["Cookie"] = cookies[(n % #cookies) + 1] })
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration":%d,"p50":%d,"p99":%d,"max":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
`;

function runOnce(url, connections, seconds, script) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      WRK,
      ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '30s', '-s', script, url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      const json = /WRK_JSON (\{.*\})/.exec(out);
      if (code !== 0 || !json) reject(new Error(`wrk exited ${code}: ${out.trim().slice(-300)}`));
      else resolve(JSON.parse(json[1]));
    });
  });
}

/**
 * GET / with `cookies` (one Cookie header per session, used in turn) at `connections` for a
 * `warmup` run, then a measured `duration` run; the result has the fields of runLoad's that the
 * report uses (latencies in ms).
 */
export async function runWrk({ url, connections, duration, warmup = 0, cookies = [], pid }) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  const script = join(dir, 'signed-in.lua');
  writeFileSync(script, lua(cookies));
  try {
    if (warmup > 0) await runOnce(url, connections, warmup, script);
    const rss = pid ? sampleRss(pid) : undefined;
    const raw = await runOnce(url, connections, duration, script);
    const peakRss = rss?.stop();
    const seconds = raw.duration / 1e6;
    const socketErrors = raw.connect + raw.read + raw.write + raw.timeout;
    return {
      connections,
      seconds,
      rps: raw.requests / seconds,
      count: raw.requests,
      p50: raw.p50 / 1000,
      p99: raw.p99 / 1000,
      max: raw.max / 1000,
      allResponses: raw.requests,
      errors: socketErrors + raw.status,
      socketErrors,
      timeouts: raw.timeout,
      unexpected: raw.status,
      statuses: {},
      unexpectedStatuses: raw.status ? { '≥400': raw.status } : {},
      peakRss,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
