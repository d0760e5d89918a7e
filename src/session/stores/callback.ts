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
