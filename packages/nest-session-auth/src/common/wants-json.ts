import type { Request } from 'express';

/** API callers (`/api/…`, or clients that prefer JSON to HTML) get JSON errors, never pages or redirects. */
export function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.accepts(['html', 'json']) === 'json';
}
