import {
  Catch,
  HttpException,
  HttpStatus,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorTitle } from '../common/error-titles.js';
import { wantsJson } from '../common/wants-json.js';

/** A page with a form: the view that renders it and its title. */
export interface FormPage {
  view: string;
  title: string;
}

/** Messages by field name, the first problem of each field. */
export type FieldErrors = Record<string, string>;

/** What the refused form shows again: the fields as typed (never a password), and errors. */
export type FormState = Record<string, unknown> & { errors?: FieldErrors };

const CORRECT_FIELDS = 'Please correct the fields marked below.';

/**
 * "Show this form again": browsers get the form's page with the status, the message and the
 * fields as typed; API clients get JSON with the message and the field errors. One exception
 * for every controller with a form, handled by `FormRefusalFilter`.
 * @example throw new FormRefusedException(LOGIN_PAGE, 401, 'Wrong name or password.', { name });
 */
export class FormRefusedException extends HttpException {
  constructor(
    readonly page: FormPage,
    status: number,
    message: string,
    readonly state: FormState = {},
    /** Seconds a throttled or busy client should wait (`Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message, status);
  }

  /** 400 for fields that failed validation. */
  static invalid(page: FormPage, errors: FieldErrors, state: FormState = {}): FormRefusedException {
    return new FormRefusedException(page, HttpStatus.BAD_REQUEST, CORRECT_FIELDS, {
      ...state,
      errors,
    });
  }

  /** Whether `error` is an expected refusal (a 4xx), which `from` turns into a form refusal. */
  static isRefusal(error: unknown): error is HttpException {
    return error instanceof HttpException && error.getStatus() < 500;
  }

  /**
   * For an error caught by a form handler: an expected refusal (4xx: wrong password, taken
   * name, throttled) becomes a refusal of the form; anything else is returned as it is, for the
   * error filter.
   * @example catch (error) { throw FormRefusedException.from(error, LOGIN_PAGE, { name }); }
   */
  static from(error: unknown, page: FormPage, state: FormState = {}): unknown {
    if (!FormRefusedException.isRefusal(error)) return error;
    const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    return new FormRefusedException(
      page,
      error.getStatus(),
      error.message,
      state,
      typeof retryAfter === 'number' ? retryAfter : undefined,
    );
  }
}

/** Renders a refused form again for browsers; JSON (with `errors`) for API clients. */
@Catch(FormRefusedException)
export class FormRefusalFilter implements ExceptionFilter {
  catch(refusal: FormRefusedException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const status = refusal.getStatus();
    if (refusal.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(refusal.retryAfterSeconds));
    if (wantsJson(req)) {
      const { errors } = refusal.state;
      const message = errors ? Object.values(errors).join(' ') : refusal.message;
      res.status(status).json({ statusCode: status, error: errorTitle(status), message, errors });
      return;
    }
    res.status(status).render(refusal.page.view, {
      title: refusal.page.title,
      ...refusal.state,
      message: refusal.message,
    });
  }
}
