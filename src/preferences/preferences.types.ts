import 'express-session';

/** The colour themes every page can be rendered in. */
export const THEMES = ['light', 'dark'] as const;

export type Theme = (typeof THEMES)[number];

export const isTheme = (value: unknown): value is Theme => THEMES.includes(value as Theme);

declare module 'express-session' {
  interface SessionData {
    /** The visitor's chosen theme; kept across sign-in and sign-out. */
    theme: Theme;
  }
}
