import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { SessionService } from 'nest-session-auth';
import type { Theme } from './preferences.types.js';

/** What the layout's theme switch offers: the other theme. */
export interface ThemeToggle {
  /** Where the switch posts: PreferencesController. */
  action: string;
  theme: Theme;
  label: string;
  /** The page to come back to after switching; only for GET pages, which can be reloaded. */
  next?: string;
}

/**
 * Express middleware: gives every view `theme` and `themeToggle`. They are read (from the
 * session, else the visitor cookie) when a view renders, so this writes nothing and need not
 * run after the session middleware.
 */
export function exposeTheme(sessions: SessionService): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const theme = (): Theme => sessions.visitorValue(req, 'theme') ?? 'light';
    Object.defineProperties(res.locals, {
      theme: { enumerable: true, get: theme },
      themeToggle: {
        enumerable: true,
        get: (): ThemeToggle => ({
          action: '/preferences',
          ...(theme() === 'dark'
            ? { theme: 'light', label: 'Light theme' }
            : { theme: 'dark', label: 'Dark theme' }),
          next: req.method === 'GET' ? req.originalUrl : undefined,
        }),
      },
    });
    next();
  };
}
