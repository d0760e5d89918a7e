import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, Optional, type LoggerService } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Level, Logger } from 'pino';
import { ROOT_LOGGER, TRACE_ID } from './logging.constants.js';
import { createRequestLogger, type RequestContext } from './request-log.js';

/** The request being handled: lines written during it carry its id (and trace id). */
const requestContexts = new AsyncLocalStorage<RequestContext>();

/**
 * Nest's `LoggerService` on pino, so `new Logger('Auth').log({ event: 'sign-in', user })` and
 * Nest's own messages become JSON lines, with the request (and trace) id when written during a
 * request.
 * Also owns the request-log middleware, which `configureApp()` mounts first.
 */
@Injectable()
export class PinoLogger implements LoggerService {
  /** Express middleware: one line per request when it ends, and the request id for the rest. */
  readonly middleware: (req: Request, res: Response, next: NextFunction) => void;

  constructor(
    @Inject(ROOT_LOGGER) private readonly root: Logger,
    @Optional() @Inject(TRACE_ID) traceId?: () => string | undefined,
  ) {
    this.middleware = createRequestLogger(
      root,
      (context, next) => requestContexts.run(context, next),
      traceId,
    );
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the context last (`Logger` instances add theirs) and, for errors, a stack before it. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    const context =
      params.length > 0 && typeof params.at(-1) === 'string' ? params.pop() : undefined;
    const stack = level === 'error' && typeof params[0] === 'string' ? params[0] : undefined;
    const fields = { ...requestContexts.getStore(), context, stack };
    if (message instanceof Error) this.root[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null)
      this.root[level]({ ...fields, ...message });
    else this.root[level](fields, String(message));
  }
}
