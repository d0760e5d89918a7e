import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { SessionService } from 'nest-session-auth';
import { PreferencesController } from './preferences.controller.js';
import { isTheme } from './preferences.types.js';
import { exposeTheme } from './theme.middleware.js';

/** The theme: `POST /preferences`, and every page rendered with it. */
@Module({ controllers: [PreferencesController] })
export class PreferencesModule implements NestModule {
  constructor(private readonly sessions: SessionService) {
    // A theme is about the browser, not the account: kept without a session, and after sign-out.
    sessions.registerVisitorKey('theme', isTheme);
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(exposeTheme(this.sessions)).forRoutes('{*path}');
  }
}
