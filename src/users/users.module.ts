import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/app-config.module.js';
import { KyselyUserStore } from 'nest-session-auth';

/** Accounts in `DATA_DIR/accounts.db`, or in PostgreSQL when `DATABASE_URL` is set. */
@Module({
  providers: [
    {
      provide: KyselyUserStore,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => KyselyUserStore.open(config.accountsDatabase),
    },
  ],
  exports: [KyselyUserStore],
})
export class UsersModule implements OnApplicationShutdown {
  constructor(@Inject(KyselyUserStore) private readonly users: KyselyUserStore) {}

  /** Runs after the HTTP server has drained. */
  async onApplicationShutdown(): Promise<void> {
    await this.users.close();
  }
}
