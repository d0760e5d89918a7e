import { z } from 'zod';
import { isSameSitePath } from 'nest-session-auth';
import { THEMES } from '../preferences.types.js';

/** Form fields of `POST /preferences`; `next` is where to go back to, dropped unless same-site. */
export const preferencesSchema = z.object({
  theme: z.enum(THEMES, { error: 'Choose the light or the dark theme.' }),
  next: z
    .unknown()
    .optional()
    .transform((value) => (typeof value === 'string' && isSameSitePath(value) ? value : undefined)),
});
