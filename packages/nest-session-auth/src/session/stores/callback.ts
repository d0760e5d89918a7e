/** The callback shape of the express-session store API. */
export type Callback<T = void> = (error: unknown, value?: T) => void;

/**
 * Settles a store callback from a promise: once (a promise settles once), and on a later tick,
 * outside the promise chain, so an exception the caller's continuation throws is not mistaken
 * for a store error (nor swallowed).
 */
export function settle<T>(promise: Promise<T>, callback: Callback<T> | undefined): void {
  promise.then(
    (value) => callback && process.nextTick(callback, null, value),
    (error: unknown) => callback && process.nextTick(callback, error),
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
