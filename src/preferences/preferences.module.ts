import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { SessionService } from '../session/index.js';
import { PreferencesController } from './preferences.controller.js';
import { exposeTheme } from './theme.middleware.js';

/** The theme: `POST /preferences`, and every page rendered with it. */
@Module({ controllers: [PreferencesController] })
export class PreferencesModule implements NestModule {
  constructor(sessions: SessionService) {
    // A theme is about the browser, not the account: signing out should not reset it.
    sessions.keepAcrossSignOut('theme');
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(exposeTheme).forRoutes('{*path}');
  }
}
