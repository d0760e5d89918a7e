/** Called as a store call starts; returns what to call when it ends (with its error, if any). */
export type StoreCallWatcher = (operation: string) => (error?: unknown) => void;

/** The express-session `Store` methods and `ManagedSessionStore`'s own, as operation names. */
export const STORE_OPERATIONS = [
  'get',
  'set',
  'destroy',
  'touch',
  'length',
  'all',
  'clear',
  'listOwned',
  'destroyOwned',
  'purgeExpired',
  'ping',
] as const;

/**
 * Replaces the store's methods, on the object itself, with ones that tell `watch` when each
 * call starts and ends, whether it answers through a callback or a promise. On the object, so
 * every holder of the store (express-session, the session service) is watched without knowing.
 */
export function watchStoreCalls(store: object, watch: StoreCallWatcher): void {
  const methods = store as Record<string, unknown>;
  for (const operation of STORE_OPERATIONS) {
    const original = methods[operation];
    if (typeof original !== 'function') continue;
    methods[operation] = function watched(this: unknown, ...args: unknown[]): unknown {
      const end = once(watch(operation));
      const callback = args.at(-1);
      if (typeof callback === 'function') {
        args[args.length - 1] = (error: unknown, ...results: unknown[]) => {
          end(error ?? undefined);
          return callback(error, ...results) as unknown;
        };
      }
      let result: unknown;
      try {
        result = original.apply(this, args);
      } catch (error) {
        end(error);
        throw error;
      }
      if (typeof callback === 'function') return result;
      if (isThenable(result)) result.then(() => end(), end);
      else end();
      return result;
    };
  }
}

function once(end: (error?: unknown) => void): (error?: unknown) => void {
  let ended = false;
  return (error) => {
    if (ended) return;
    ended = true;
    end(error);
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
