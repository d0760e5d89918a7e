import { ServiceUnavailableException } from '@nestjs/common';

/** The session store did not answer; the request cannot be served correctly without it. */
export class SessionStoreUnavailableException extends ServiceUnavailableException {
  constructor(cause?: unknown) {
    super('Sessions are unavailable for a moment. Please try again shortly.', { cause });
  }
}
