// The load generator: autocannon, run programmatically inside the harness process (which
// run.mjs pins to core 1). Programmatic use is what makes two things possible that its CLI
// cannot do: a different session (Cookie header, CSRF token, body) per connection, through
// `setupClient`, and the time and latency of every single response, which the purge-stall
// measurement needs. Latencies are kept here in full (not autocannon's 1 ms-resolution
// histogram), so p50/p99 of sub-millisecond responses stay meaningful.
import autocannon from 'autocannon';
import { sampleRss } from './proc.mjs';

function quantile(sorted, q) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function summarize(latencies) {
  const sorted = Float64Array.from(latencies).toSorted();
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : undefined,
  };
}

/**
 * Runs one load: `connections` connections for `warmup` + `duration` seconds (or until `until`
 * resolves), connection i sending `requestsFor(i)` in a loop. Only responses that end after the
 * warm-up are measured: warm-up and measurement are one continuous run, so the measurement
 * starts in a steady state (no queue still draining from a previous run, no idle gap).
 * A measured response whose status fails `expect` counts as an error, as do socket errors and
 * timeouts. With `pid`, the server's RSS is sampled every 100 ms during the measurement; with
 * `timeline`, each measured response's end time (performance.now(), ms) and latency are returned.
 */
export function runLoad({
  url,
  connections,
  duration,
  warmup = 0,
  requestsFor,
  expect,
  pid,
  timeline = false,
  until,
  timeout = 30,
}) {
  let next = 0;
  let all = 0;
  const latencies = [];
  const ends = timeline ? [] : undefined;
  const statuses = {};
  const unexpectedStatuses = {};
  let unexpected = 0;
  let socketErrors = 0;
  let timeouts = 0;
  let rss;
  const measureFrom = performance.now() + warmup * 1000;
  const rssTimer = pid ? setTimeout(() => (rss = sampleRss(pid)), warmup * 1000) : undefined;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: warmup + duration,
        timeout,
        requests: requestsFor(0),
        // Called once per connection, before its first request.
        setupClient: (client) => client.setRequests(requestsFor(next++)),
      },
      (error) => {
        const elapsed = (performance.now() - measureFrom) / 1000;
        clearTimeout(rssTimer);
        const peakRss = rss?.stop();
        if (error) return reject(error);
        const stats = summarize(latencies);
        resolve({
          connections,
          seconds: elapsed,
          rps: stats.count / elapsed,
          ...stats,
          allResponses: all,
          errors: socketErrors + unexpected,
          socketErrors,
          timeouts,
          unexpected,
          statuses,
          unexpectedStatuses,
          peakRss,
          latencies: timeline ? latencies : undefined,
          ends,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      all++;
      const now = performance.now();
      if (now < measureFrom) return;
      latencies.push(responseTime);
      ends?.push(now);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (!expect(status)) {
        unexpected++;
        unexpectedStatuses[status] = (unexpectedStatuses[status] ?? 0) + 1;
      }
    });
    // Connection errors and timeouts (autocannon reports both as request errors).
    instance.on('reqError', (error) => {
      if (performance.now() < measureFrom) return;
      socketErrors++;
      if (/timed out/.test(error?.message ?? '')) timeouts++;
    });
    void until?.then(() => instance.stop());
  });
}

export const is2xx = (status) => status >= 200 && status < 300;
export const is3xx = (status) => status >= 300 && status < 400;
export const is2xxOr3xx = (status) => status >= 200 && status < 400;
