import { ConfigurableModuleBuilder } from '@nestjs/common';
import { authModuleParts } from './auth-module-parts.js';
import type { AuthModuleExtras, AuthModuleOptions } from './auth-options.interface.js';
import { AUTH_OPTIONS } from './auth.constants.js';

/** `forRoot`/`forRootAsync`; the extras shape the module, so they sit beside an async factory. */
export const { ConfigurableModuleClass, OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<AuthModuleOptions>({
    moduleName: 'Auth',
    optionsInjectionToken: AUTH_OPTIONS,
  })
    .setClassMethodName('forRoot')
    .setExtras<AuthModuleExtras>(
      { routes: {}, controllers: true, globalGuard: true, imports: [], userStore: undefined },
      (definition, extras) => {
        const parts = authModuleParts(extras);
        return {
          ...definition,
          imports: [...(definition.imports ?? []), ...parts.imports],
          controllers: parts.controllers,
          providers: [...(definition.providers ?? []), ...parts.providers],
          exports: parts.exports,
        };
      },
    )
    .build();
