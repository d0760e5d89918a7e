import { HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { TooManyAttemptsException } from './auth-limits.js';
import { HashingBusyException } from './password-hasher.js';
import { wantsJson } from './wants-json.js';

/**
 * Sorts an error caught by a form handler: an expected refusal (4xx: wrong password, taken name,
 * throttled) is returned for the form to show again; anything else, and any refusal to an API
 * caller, is rethrown for the error filter. A throttled or busy answer carries Retry-After either way.
 */
export function formRefusal(req: Request, res: Response, error: unknown): HttpException {
  if (error instanceof TooManyAttemptsException || error instanceof HashingBusyException) {
    res.setHeader('Retry-After', String(error.retryAfterSeconds));
  }
  if (!(error instanceof HttpException) || error.getStatus() >= 500) throw error;
  if (wantsJson(req)) throw error;
  return error;
}
