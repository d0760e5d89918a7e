import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SessionModuleOptions } from './session-options.interface.js';

/**
 * `SESSION_OPTIONS` is the injection token of the options as given to `forRoot`/`forRootAsync`.
 * @example constructor(@Inject(SESSION_OPTIONS) options: SessionModuleOptions) {}
 */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: SESSION_OPTIONS } =
  new ConfigurableModuleBuilder<SessionModuleOptions>({ moduleName: 'Session' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();
