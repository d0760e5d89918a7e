/** The callback shape of the express-session store API. */
export type Callback<T = void> = (error: unknown, value?: T) => void;

/** A callback that can run only once; later calls are ignored. */
export function once<Args extends unknown[]>(fn: (...args: Args) => void): (...args: Args) => void {
  let called = false;
  return (...args) => {
    if (called) return;
    called = true;
    fn(...args);
  };
}

/**
 * Settles a store callback from a promise, exactly once and outside the promise chain, so an
 * exception thrown by the caller's continuation is not mistaken for a store error.
 */
export function settle<T>(
  promise: Promise<T>,
  callback: ((error: unknown, value?: T) => void) | undefined,
): void {
  if (!callback) {
    promise.catch(() => undefined);
    return;
  }
  const done = once(callback);
  promise.then(
    (value) => process.nextTick(done, null, value),
    (error: unknown) => process.nextTick(done, error),
  );
}

/** Rejects if `promise` has not settled within `ms`; the store is then treated as unavailable. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
