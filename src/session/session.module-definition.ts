import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SessionModuleOptions } from './session-options.interface.js';

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: SESSION_OPTIONS } =
  new ConfigurableModuleBuilder<SessionModuleOptions>({ moduleName: 'Session' })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();
