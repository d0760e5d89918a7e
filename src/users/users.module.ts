import { join } from 'node:path';
import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/app-config.module.js';
import { SqliteUserStore } from './sqlite-user.store.js';

/** Accounts in `DATA_DIR/accounts.db`. */
@Module({
  providers: [
    {
      provide: SqliteUserStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => SqliteUserStore.open(join(config.dataDir, 'accounts.db')),
    },
  ],
  exports: [SqliteUserStore],
})
export class UsersModule implements OnApplicationShutdown {
  constructor(@Inject(SqliteUserStore) private readonly users: SqliteUserStore) {}

  /** Runs after the HTTP server has drained. */
  async onApplicationShutdown(): Promise<void> {
    await this.users.close();
  }
}
