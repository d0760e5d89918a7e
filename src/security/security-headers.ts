import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/** What a response ends up with: headers to set, in order, and headers to remove. */
export interface StaticHeaders {
  set: Array<[name: string, value: string]>;
  removed: string[];
}

/**
 * helmet's headers for `options`, worked out once by running helmet against a recording
 * response. For options without functions (no per-request CSP nonces) helmet sets the same
 * headers on every response, so there is no need to run its fourteen middlewares each time.
 */
export function helmetHeaders(options: HelmetOptions): StaticHeaders {
  const headers: StaticHeaders = { set: [], removed: [] };
  const recorder = {
    setHeader(name: string, value: unknown) {
      if (typeof value !== 'string' && typeof value !== 'number')
        throw new TypeError(`helmet set ${name} to a ${typeof value}`);
      headers.set.push([name, String(value)]);
    },
    removeHeader(name: string) {
      headers.removed.push(name);
    },
  };
  let called = false;
  const run = helmet(options) as unknown as (
    req: object,
    res: object,
    next: (e?: unknown) => void,
  ) => void;
  run({}, recorder, (error) => {
    if (error) throw error instanceof Error ? error : new Error(String(error));
    called = true;
  });
  // helmet calls next synchronously; if a release ever stops doing so, fail at start-up.
  if (!called)
    throw new Error('helmet did not finish synchronously: cannot precompute its headers');
  return headers;
}

/**
 * Express middleware that sets helmet's headers for `options` (static options only: a CSP
 * directive given as a function is refused), computed once at start-up. Byte for byte what
 * `helmet(options)` sends (security-headers.spec.ts holds it to that).
 * @example app.use(securityHeaders({ strictTransportSecurity: false }))
 */
export function securityHeaders(options: HelmetOptions): RequestHandler {
  const directives = options.contentSecurityPolicy;
  if (
    typeof directives === 'object' &&
    Object.values(directives.directives ?? {}).some(
      (value) =>
        typeof value === 'function' ||
        (Array.isArray(value) && value.some((v) => typeof v === 'function')),
    )
  )
    throw new TypeError('securityHeaders: CSP directives must be static (use helmet() for nonces)');
  const { set, removed } = helmetHeaders(options);
  return (_req, res, next) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}
