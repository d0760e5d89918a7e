import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import {
  PrototypedExpressAdapter,
  SESSION_STORE,
  type ManagedSessionStore,
} from 'nest-session-auth';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  dataDir: string;
  /** A supertest agent: keeps cookies across calls, like one browser. */
  agent(): request.Agent;
  /** How many live sessions the store holds. */
  sessionCount(): Promise<number>;
  close(): Promise<void>;
}

/** Boots the real AppModule through the same configureApp() as main.ts, on a temp DATA_DIR. */
export async function createTestApp(
  env: Record<string, string> = {},
  /** A DATA_DIR to share with another instance; by default a fresh one, removed on close. */
  sharedDataDir?: string,
  /** Extra controllers, for tests that need a route the app does not have. */
  controllers: Type[] = [],
): Promise<TestApp> {
  const dataDir = sharedDataDir ?? tempDataDir();
  // Request logs would drown the test output; test/logs.e2e-spec.ts reads them from a real server.
  const config = loadConfig({
    DATA_DIR: dataDir,
    SESSION_SECRET: 'test-secret',
    LOG_LEVEL: 'silent',
    // Every test signs in from 127.0.0.1, and with Redis the per-address count is shared by all
    // of them; test/sign-in-limits.e2e-spec.ts tests that limit with addresses of its own.
    AUTH_ATTEMPTS_PER_MINUTE: '10000',
    ...env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config)],
    controllers,
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(
    new PrototypedExpressAdapter(),
    {
      bodyParser: false,
      logger: false,
    },
  );
  configureApp(app, config);
  await app.init();
  return {
    app,
    config,
    dataDir,
    agent: () => request.agent(app.getHttpServer()),
    sessionCount: () =>
      new Promise<number>((resolve, reject) =>
        app
          .get<ManagedSessionStore>(SESSION_STORE)
          .length((error, count) => (error ? reject(error) : resolve(count ?? 0))),
      ),
    close: async () => {
      await app.close();
      if (sharedDataDir === undefined && !env.DATA_DIR)
        rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'nsa-test-'));
}
