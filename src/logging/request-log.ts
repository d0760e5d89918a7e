import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { LevelWithSilent, Logger } from 'pino';

/** An incoming `X-Request-Id` is kept only if it is short and plain (no log forging). */
const SAFE_REQUEST_ID = /^[\w.:-]{1,64}$/;

/** Longer paths (404 probes) are cut: a log line should stay a line. */
const MAX_PATH = 256;

/** The fields of one request line: never headers, cookies, the query string or the body. */
export interface RequestLine {
  method: string;
  path: string;
  /** The route pattern that answered (`/sessions/:handle/revoke`); absent when none did. */
  route?: string;
  status: number;
  /** Milliseconds from the first byte read to the last byte written. */
  responseTime: number;
  remoteAddress?: string;
}

/** The caller's `X-Request-Id` when it is safe to log, else a new UUID; echoed in the response. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id =
    typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** What is logged about a finished request. */
export function requestLine(
  req: IncomingMessage,
  res: ServerResponse,
  responseTime: number,
): RequestLine {
  const express = req as Request;
  const route: unknown = express.route?.path;
  return {
    method: req.method ?? '',
    path: pathOf(express.originalUrl ?? req.url ?? ''),
    route: typeof route === 'string' ? route : undefined,
    status: res.statusCode,
    responseTime,
    remoteAddress: express.ip ?? req.socket?.remoteAddress,
  };
}

/** 5xx are errors, 4xx warnings, the rest information. */
export function levelFor(res: ServerResponse): LevelWithSilent {
  if (res.statusCode >= 500) return 'error';
  return res.statusCode >= 400 ? 'warn' : 'info';
}

/** What every line written while handling a request carries. */
export interface RequestContext {
  reqId: string;
  /** The OpenTelemetry trace of the request, when tracing is on. */
  traceId?: string;
}

/**
 * Express middleware that writes exactly one line per request when it ends (completed or
 * aborted), with only the fields of `RequestLine` and the request's context. Hands the context
 * to `next` through `run`, so lines written while handling the request can carry it. Written by
 * hand rather than with pino-http: its per-request child logger and serializers cost more than
 * the rest of a signed-in page view.
 */
export function createRequestLogger(
  logger: Logger,
  run: (context: RequestContext, next: () => void) => void,
  /** The active trace's id (read as the request arrives), when tracing is on. */
  traceId?: () => string | undefined,
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const started = performance.now();
    const context: RequestContext = { reqId: requestId(req, res), traceId: traceId?.() };
    res.once('close', () => {
      const line = requestLine(req, res, Math.round(performance.now() - started));
      const message = res.writableFinished ? 'request completed' : 'request aborted';
      logger[levelFor(res)]({ ...context, ...line }, message);
    });
    run(context, next);
  };
}

function pathOf(url: string): string {
  const path = url.split(/[?#]/, 1)[0];
  return path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path;
}
