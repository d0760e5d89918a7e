import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  createRequestLogger,
  levelFor,
  requestId,
  requestLine,
  type RequestContext,
} from './request-log.js';

function exchange(headers: Record<string, string> = {}, url = '/', statusCode = 200) {
  const sent: Record<string, string> = {};
  const req = {
    method: 'GET',
    url,
    originalUrl: url,
    headers,
    ip: '127.0.0.1',
    route: undefined as { path: string } | undefined,
  } as unknown as IncomingMessage & { route?: { path: string } };
  const res = {
    statusCode,
    setHeader: (name: string, value: string) => (sent[name] = value),
  } as unknown as ServerResponse;
  return { req, res, sent };
}

describe(requestId.name, () => {
  it("keeps the caller's X-Request-Id when it is short and plain, and echoes it", () => {
    const { req, res, sent } = exchange({ 'x-request-id': 'abc-123.x_y:z' });
    expect(requestId(req, res)).toBe('abc-123.x_y:z');
    expect(sent['X-Request-Id']).toBe('abc-123.x_y:z');
  });

  it.each([['a'.repeat(65)], ['two words'], ['line\nbreak'], ['"quoted"'], ['']])(
    'replaces %j with a UUID',
    (incoming) => {
      const { req, res } = exchange({ 'x-request-id': incoming });
      expect(requestId(req, res)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    },
  );
});

describe(requestLine.name, () => {
  it('logs the path without the query string, the route pattern and nothing from the headers', () => {
    const { req, res } = exchange(
      { cookie: 'sid=secret', authorization: 'Basic x' },
      '/sessions/h1/revoke?token=secret#frag',
      303,
    );
    (req as { route?: { path: string } }).route = { path: '/sessions/:handle/revoke' };
    expect(requestLine(req, res, 12)).toEqual({
      method: 'GET',
      path: '/sessions/h1/revoke',
      route: '/sessions/:handle/revoke',
      status: 303,
      responseTime: 12,
      remoteAddress: '127.0.0.1',
    });
  });

  it('cuts very long paths', () => {
    const { req, res } = exchange({}, `/${'x'.repeat(1000)}`);
    expect(requestLine(req, res, 1).path.length).toBeLessThanOrEqual(257);
  });
});

describe(levelFor.name, () => {
  it.each([
    [200, 'info'],
    [303, 'info'],
    [401, 'warn'],
    [404, 'warn'],
    [500, 'error'],
    [503, 'error'],
  ])('logs %i at %s', (status, level) => {
    expect(levelFor(exchange({}, '/', status).res)).toBe(level);
  });
});

/** One request through the middleware; `close` fires twice, as a guard against double lines. */
function serveOnce(finished: boolean, traceId?: () => string | undefined) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const seen: RequestContext[] = [];
  const middleware = createRequestLogger(
    logger,
    (context, next) => {
      seen.push(context);
      next();
    },
    traceId,
  );
  const { req } = exchange({ 'x-request-id': 'r-1' }, '/cart?x=1', 200);
  const res = Object.assign(new EventEmitter(), {
    statusCode: 200,
    writableFinished: finished,
    setHeader: () => undefined,
  });
  let nextCalls = 0;
  middleware(req as Request, res as unknown as Response, () => nextCalls++);
  res.emit('close');
  res.emit('close');
  return { lines, seen, nextCalls };
}

describe(createRequestLogger.name, () => {
  it('writes one line when the response closes, with the request id it handed on', () => {
    const { lines, seen, nextCalls } = serveOnce(true);
    expect(nextCalls).toBe(1);
    expect(seen).toEqual([{ reqId: 'r-1', traceId: undefined }]);
    expect(lines).toEqual([
      expect.objectContaining({
        reqId: 'r-1',
        method: 'GET',
        path: '/cart',
        status: 200,
        responseTime: expect.any(Number),
        msg: 'request completed',
      }),
    ]);
  });

  it('adds the trace id, read as the request arrives, to its line and to what it hands on', () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { lines, seen } = serveOnce(true, () => traceId);
    expect(seen).toEqual([{ reqId: 'r-1', traceId }]);
    expect(lines).toEqual([expect.objectContaining({ reqId: 'r-1', traceId })]);
  });

  it('says when the client went away before the response was finished', () => {
    expect(serveOnce(false).lines).toEqual([expect.objectContaining({ msg: 'request aborted' })]);
  });
});
