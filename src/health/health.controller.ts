import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { Public, SESSION_STORE, UserStore, type ManagedSessionStore } from 'nest-session-auth';

/** A dependency that has not answered by then counts as down. */
const PING_TIMEOUT_MS = 2000;

/** Liveness and readiness probes, answered in terminus's `{ status, info, error, details }`. */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(SESSION_STORE) private readonly sessions: ManagedSessionStore,
    private readonly users: UserStore,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /**
   * 200 while the process serves, whatever the stores do: restarting cannot cure a store
   * outage, and the app already recovers by itself when the store returns.
   */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** 200 when the session store and the accounts database answer, else 503 naming which does not. */
  @Get(['ready', ''])
  @HealthCheck()
  async ready(@Res() res: Response): Promise<void> {
    const result = await this.health
      .check([
        () => this.ping('sessions', () => this.sessions.ping()),
        () => this.ping('accounts', () => this.users.ping()),
      ])
      .catch((error: unknown) => {
        if (!(error instanceof ServiceUnavailableException)) throw error;
        return error.getResponse() as HealthCheckResult;
      });
    res.status(result.status === 'ok' ? 200 : 503).json(result);
  }

  private ping(key: string, ping: () => Promise<void>) {
    return this.indicators.check(key).attempt(ping).withTimeout(PING_TIMEOUT_MS);
  }
}
