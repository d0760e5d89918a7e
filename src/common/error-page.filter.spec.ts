import { NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
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
});
