import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public, SESSION_STORE, UserStore, type ManagedSessionStore } from 'nest-session-auth';

type Status = 'up' | 'down';

const PING_TIMEOUT_MS = 2000;

/** 200 when the session store and the accounts database both answer, else 503 naming which does not. */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(SESSION_STORE) private readonly sessions: ManagedSessionStore,
    private readonly users: UserStore,
  ) {}

  @Get()
  async check(@Res() res: Response): Promise<void> {
    const [sessions, accounts] = await Promise.all([
      probe(this.sessions.ping()),
      probe(this.users.ping()),
    ]);
    const healthy = sessions === 'up' && accounts === 'up';
    res
      .status(healthy ? 200 : 503)
      .json({ status: healthy ? 'ok' : 'error', checks: { sessions, accounts } });
  }
}

async function probe(ping: Promise<void>): Promise<Status> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), PING_TIMEOUT_MS);
  });
  try {
    await Promise.race([ping, timeout]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
