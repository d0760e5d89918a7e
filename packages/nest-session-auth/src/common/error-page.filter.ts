import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  ServiceUnavailableException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { wantsJson } from './wants-json.js';
import { errorTitle } from './error-titles.js';

const SORRY = 'Something went wrong on our side. Please try again in a moment.';

/**
 * Fixed words for errors of Express and its middleware (body parser, router), whose own messages
 * repeat parts of the request: a JSON parse error quotes the body, a decoding error the path.
 */
const REQUEST_REFUSALS: Record<number, string> = {
  413: 'The form was larger than this site accepts.',
  415: 'That kind of request body is not accepted.',
};
const MALFORMED = 'The request was malformed.';

/** Nest's message when no route matches. */
const ROUTER_NOT_FOUND = /^Cannot [A-Z]+ /;

/**
 * The last word on every error: a readable page for browsers, JSON for API callers, never a
 * stack trace, and never the words of a parser that read the request.
 */
@Catch()
export class ErrorPageFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const { status, message } = this.describe(exception);
    if (status >= 500 && !isDeliberateRefusal(exception))
      this.logger.error(`${req.method} ${req.path} failed: ${describeCause(exception)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    const retryAfter = (exception as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
    if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    else if (status === HttpStatus.SERVICE_UNAVAILABLE && !res.hasHeader('Retry-After'))
      res.setHeader('Retry-After', '5');
    const title = errorTitle(status);
    if (wantsJson(req)) {
      res.status(status).json({ statusCode: status, error: title, message });
    } else {
      // The guard does not run for unknown routes, so the nav learns of the user here.
      res
        .status(status)
        .render('error', { title, status, message, user: req.session?.user }, (error, html) => {
          // A page that cannot be rendered must still answer, in plain words.
          if (error) res.type('text/plain').send(`${status} ${title}. ${message}`);
          else res.send(html);
        });
    }
  }

  private describe(exception: unknown): { status: number; message: string } {
    const refused = refusedRequestStatus(exception);
    if (refused !== undefined) {
      return { status: refused, message: REQUEST_REFUSALS[refused] ?? MALFORMED };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status >= 500 && status !== 503) return { status, message: SORRY };
      // The router's own 404 says "Cannot GET /path?query": not for people, and echoes the URL.
      if (status === 404 && ROUTER_NOT_FOUND.test(exception.message))
        return { status, message: 'There is no page at this address. Check it for typos.' };
      return { status, message: exception.message };
    }
    return { status: 500, message: SORRY };
  }
}

/**
 * The 4xx status of an error raised by Express or a middleware (an http-errors style `status`),
 * whether it arrives as is or, as Nest's Express adapter hands it on, as an HttpException's cause.
 */
function refusedRequestStatus(exception: unknown): number | undefined {
  const wrapped = exception instanceof HttpException;
  const error = wrapped ? exception.cause : exception;
  const status = (error as { status?: unknown } | null | undefined)?.status;
  if (error instanceof HttpException || typeof status !== 'number') return undefined;
  if (status < 400 || status >= 500) return undefined;
  // The adapter keeps the status; an app's own exception (a 503) may carry any error as its cause.
  return wrapped && exception.getStatus() !== status ? undefined : status;
}

/**
 * A 503 the app chose (sign-in busy: its waiting line is full) rather than a failure: it has
 * no underlying error, and logging each one would flood the log during a flood of requests.
 */
function isDeliberateRefusal(exception: unknown): boolean {
  return exception instanceof ServiceUnavailableException && exception.cause === undefined;
}

function describeCause(exception: unknown): string {
  const cause = exception instanceof HttpException ? (exception.cause ?? exception) : exception;
  return cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
}
