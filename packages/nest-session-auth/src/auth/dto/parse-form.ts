import type { z } from 'zod';
import { FormRefusedException, type FormPage } from '../form-refusal.js';
import { fieldErrors, isSameSitePath } from './credentials.schema.js';

/**
 * The form's fields as `schema` reads them, or a 400 refusal that shows `page` again with each
 * field's first problem and what was typed (never a password).
 */
export function parseForm<T>(schema: z.ZodType<T>, body: unknown, page: FormPage): T {
  const form = schema.safeParse(body);
  if (form.success) return form.data;
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  throw FormRefusedException.invalid(page, fieldErrors(form.error), {
    name: typeof fields.name === 'string' ? fields.name : undefined,
    remember: fields.remember !== undefined,
    next: sameSite(fields.next),
  });
}

/** A `next` that is a path on this site, else nothing. */
export function sameSite(next: unknown): string | undefined {
  return typeof next === 'string' && isSameSitePath(next) ? next : undefined;
}
