import { z } from 'zod';

/** What `LOG_LEVEL` accepts: pino's levels, most severe first, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

/** `LOG_LEVEL` from the environment: one of `LOG_LEVELS`, `info` when unset or empty. */
export const logLevelSchema = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const level = (raw ?? '').trim().toLowerCase() || 'info';
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      ctx.addIssue({
        code: 'custom',
        message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${raw}")`,
      });
      return z.NEVER;
    }
    return level as LogLevel;
  });
