import type { NextFunction, Request, Response } from 'express';
import type { AuthObserver, CredentialCheckKind, CredentialCheckOutcome } from 'nest-session-auth';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreCallWatcher } from '../telemetry/store-calls.js';
import { LatestSample } from './latest-sample.js';

/** The `route` label of requests no route answered: static assets, 404s, refusals before routing. */
export const UNMATCHED_ROUTE = 'unmatched';

/** How often at most the store is asked for its number of sessions. */
export const SESSION_COUNT_MAX_AGE_MS = 30_000;

const KINDS: CredentialCheckKind[] = ['sign_in', 'register', 'password_change'];
const OUTCOMES: CredentialCheckOutcome[] = ['success', 'failure', 'throttled', 'busy'];

/** What the metrics read from the rest of the app when scraped. */
export interface MetricSources {
  /** `SESSION_STORE`: the `store` label. */
  storeType: string;
  /** Requests waiting for a password hash right now. */
  hashQueueLength: () => number;
  /** Sessions in the store (a full count: read at most every 30 s). */
  sessionCount: () => Promise<number>;
}

/**
 * The app's Prometheus series, in a registry of its own (nothing in prom-client's global one):
 * names and labels are documented in the README ("Operating"), so dashboards can rely on them.
 */
export class AppMetrics implements AuthObserver {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  private readonly storeCalls: Histogram<'store' | 'operation'>;
  private readonly credentialChecks: Counter<'kind' | 'outcome'>;

  constructor(private readonly sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from the first byte of a request to the last byte of its answer',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.storeCalls = new Histogram({
      name: 'session_store_duration_seconds',
      help: 'Time the session store took per call',
      labelNames: ['store', 'operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.credentialChecks = new Counter({
      name: 'auth_attempts_total',
      help: 'Credential checks (sign-in, registration, password change) by how they ended',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    // Every series from zero, so rate() sees the first failure of a kind.
    for (const kind of KINDS)
      for (const outcome of OUTCOMES) this.credentialChecks.inc({ kind, outcome }, 0);
    this.registry.registerMetric(
      new Gauge({
        name: 'password_hash_queue_length',
        help: 'Requests waiting for a password hash',
        registers: [],
        collect() {
          this.set(sources.hashQueueLength());
        },
      }),
    );
    const sessions = new LatestSample(sources.sessionCount, SESSION_COUNT_MAX_AGE_MS);
    this.registry.registerMetric(
      new Gauge({
        name: 'sessions',
        help: `Sessions in the store, counted at most every ${SESSION_COUNT_MAX_AGE_MS / 1000} s`,
        registers: [],
        async collect() {
          const count = await sessions.current();
          if (count !== undefined) this.set(count);
        },
      }),
    );
  }

  /** Express middleware, mounted first: times every request on the public port. */
  readonly requestTimer = (req: Request, res: Response, next: NextFunction): void => {
    const end = this.requests.startTimer();
    res.once('close', () => {
      const route: unknown = req.route?.path;
      end({
        method: req.method,
        route: typeof route === 'string' ? route : UNMATCHED_ROUTE,
        status: String(res.statusCode),
      });
    });
    next();
  };

  /** For `watchStoreCalls`: times each call of the session store. */
  readonly storeCallTimer: StoreCallWatcher = (operation) => {
    const end = this.storeCalls.startTimer({ store: this.sources.storeType, operation });
    return () => void end();
  };

  credentialChecked(kind: CredentialCheckKind, outcome: CredentialCheckOutcome): void {
    this.credentialChecks.inc({ kind, outcome });
  }
}
