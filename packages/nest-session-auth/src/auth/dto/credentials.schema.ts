import { z } from 'zod';
import { INVISIBLE_CHARACTERS } from '../account-name.js';
import type { FieldErrors } from '../form-refusal.js';

/** Kept as typed for display, trimmed and in NFC; `accountNameKey` decides which names are one. */
const name = z
  .string({ error: 'Enter a name.' })
  .transform((value) => value.trim().normalize('NFC'))
  .pipe(
    z
      .string()
      .min(1, 'Enter a name.')
      .max(64, 'Names are at most 64 characters.')
      .refine(
        (value) => !INVISIBLE_CHARACTERS.test(value),
        'Names cannot contain control characters or invisible characters such as zero-width spaces or direction marks.',
      ),
  );

/** A password as chosen at registration (or a change): 8-128 characters. */
export const password = z
  .string({ error: 'Enter a password.' })
  .min(8, 'Passwords are at least 8 characters.')
  .max(128, 'Passwords are at most 128 characters.');

/** A same-site path to go to after signing in; anything else is dropped, not rejected. */
const next = z
  .unknown()
  .optional()
  .transform((value) => (typeof value === 'string' && isSameSitePath(value) ? value : undefined));

/** Form fields of `POST /register`. */
export const registerSchema = z.object({ name, password, next });

/** Form fields of `POST /login`; any value of the `remember` checkbox means "remember me". */
export const loginSchema = registerSchema.extend({
  remember: z
    .unknown()
    .optional()
    .transform((value) => value !== undefined && value !== ''),
});

export type RegisterForm = z.infer<typeof registerSchema>;
export type LoginForm = z.infer<typeof loginSchema>;

export function fieldErrors(error: z.ZodError): FieldErrors {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return errors;
}

/**
 * True for a path on this site: one leading slash, no scheme, no `//` or `/\` (which browsers
 * read as another host), no control or invisible characters.
 */
export function isSameSitePath(value: string): boolean {
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return false;
  if (INVISIBLE_CHARACTERS.test(value) || value.length > 2048) return false;
  try {
    return new URL(value, 'http://same.invalid').host === 'same.invalid';
  } catch {
    return false;
  }
}
