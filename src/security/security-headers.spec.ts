import express, { type RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { helmetHeaders, securityHeaders } from './security-headers.js';

/** The headers a tiny Express app answers with when `middleware` runs first. */
async function headersWith(middleware: RequestHandler): Promise<Record<string, string>> {
  const app = express();
  app.use(middleware);
  app.get('/', (_req, res) => res.send('ok'));
  const res = await request(app).get('/');
  const { date: _date, etag: _etag, ...headers } = res.headers as Record<string, string>;
  return headers;
}

// The app's options (app.setup.ts), with and without HSTS.
const OPTIONS: HelmetOptions[] = [
  {
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    strictTransportSecurity: true,
  },
  {
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    strictTransportSecurity: false,
  },
  {},
];

describe(securityHeaders.name, () => {
  // Fails on the helmet release that sets anything else, or anything per request.
  it.each(OPTIONS)('sends exactly what helmet(%o) sends', async (options) => {
    expect(await headersWith(securityHeaders(options))).toEqual(await headersWith(helmet(options)));
  });

  it('removes X-Powered-By as helmet does', async () => {
    const headers = await headersWith(securityHeaders({}));
    expect(headers['x-powered-by']).toBeUndefined();
    expect(helmetHeaders({}).removed).toContain('X-Powered-By');
  });

  it('refuses CSP directives that are functions (per-request nonces)', () => {
    expect(() =>
      securityHeaders({
        contentSecurityPolicy: { directives: { scriptSrc: [() => "'nonce-x'"] } },
      }),
    ).toThrow(TypeError);
  });
});
