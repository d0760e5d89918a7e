import {
  BadRequestException,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { ExpressAdapter } from '@nestjs/platform-express';
import { describe, expect, it, vi } from 'vitest';
import { ErrorPageFilter } from './error-page.filter.js';

function http(path: string, accept = 'text/html', renderError?: Error) {
  const req = {
    path,
    method: 'GET',
    session: undefined,
    accepts: (types: string[]) => (accept.includes('json') ? 'json' : types[0]),
  };
  const res = {
    headersSent: false,
    statusCode: 200,
    body: undefined as unknown,
    headers: {} as Record<string, string>,
    status(code: number) {
      this.statusCode = code;
      return this;
    },
    setHeader(name: string, value: string) {
      this.headers[name] = value;
    },
    hasHeader(name: string) {
      return name in this.headers;
    },
    type(value: string) {
      this.headers['content-type'] = value;
      return this;
    },
    json(body: unknown) {
      this.body = body;
    },
    send(body: unknown) {
      this.body = body;
    },
    render: vi.fn<
      (view: string, model: unknown, done: (error: Error | null, html?: string) => void) => void
    >((_view: string, _model: unknown, done: (error: Error | null, html?: string) => void) =>
      renderError ? done(renderError) : done(null, '<html>page</html>'),
    ),
    end: vi.fn<() => void>(),
  };
  return { req, res, host: new ExecutionContextHost([req, res]) };
}

/** An error as body-parser and Express's router raise it (http-errors style). */
function middlewareError<E extends Error>(error: E, status: number): E & { status: number } {
  return Object.assign(error, { status, statusCode: status, expose: true });
}

describe(ErrorPageFilter.name, () => {
  const sut = new ErrorPageFilter();

  it('renders the error page for browsers', () => {
    const { res, host } = http('/nowhere');
    sut.catch(new NotFoundException(), host);
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe('<html>page</html>');
  });

  it('answers JSON for API callers, with Retry-After on 503', () => {
    const { res, host } = http('/api/me', 'application/json');
    sut.catch(new ServiceUnavailableException('Sessions are unavailable'), host);
    expect(res.statusCode).toBe(503);
    expect(res.headers['Retry-After']).toBe('5');
    expect(res.body).toEqual({
      statusCode: 503,
      error: 'Temporarily unavailable',
      message: 'Sessions are unavailable',
    });
  });

  it('still answers, in plain text, when the error page itself cannot be rendered', () => {
    const { res, host } = http('/', 'text/html', new Error('Failed to lookup view "error"'));
    sut.catch(new NotFoundException('No such page'), host);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.body).toBe('404 Page not found. No such page');
  });

  it('hides the details of unexpected errors', () => {
    const { res, host } = http('/api/x', 'application/json');
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    sut.catch(new Error('SQLITE_CORRUPT at /secret/path'), host);
    expect(res.statusCode).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('SQLITE_CORRUPT');
  });

  // What Nest's Express adapter makes of each before the filter sees it.
  const adapter = new ExpressAdapter();
  it.each([
    [
      middlewareError(new SyntaxError('Unexpected token < in JSON at position 9'), 400),
      'The request was malformed.',
    ],
    [
      middlewareError(new URIError("Failed to decode param '%E0%A4%A'"), 400),
      'The request was malformed.',
    ],
    [
      middlewareError(new Error('request entity too large'), 413),
      'The form was larger than this site accepts.',
    ],
    [
      middlewareError(new Error('unsupported charset "KLINGON"'), 415),
      'That kind of request body is not accepted.',
    ],
    [
      middlewareError(new Error('unsupported content encoding "x-klingon"'), 415),
      'That kind of request body is not accepted.',
    ],
  ])('answers "%s" from a middleware with fixed words', (error, message) => {
    for (const exception of [error, adapter.mapException(error)]) {
      for (const accept of ['text/html', 'application/json']) {
        const { res, host } = http('/login', accept);
        sut.catch(exception, host);
        expect(res.statusCode).toBe(error.status);
        const model = res.render.mock.calls[0]?.[1] as { message: string } | undefined;
        expect(accept.includes('json') ? res.body : model).toMatchObject({ message });
      }
    }
  });

  it("keeps the app's own words, whatever its exception carries as the cause", ({
    onTestFinished,
  }) => {
    const log = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    onTestFinished(() => log.mockRestore());
    const cause = middlewareError(new Error('request entity too large'), 413);
    for (const exception of [
      new BadRequestException('Passwords are at least 8 characters.'),
      new ServiceUnavailableException('Accounts are unavailable for a moment.', { cause }),
    ]) {
      const { res, host } = http('/api/me', 'application/json');
      sut.catch(exception, host);
      expect(res.body).toMatchObject({
        statusCode: exception.getStatus(),
        message: exception.message,
      });
    }
  });
});
