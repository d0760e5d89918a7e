import { setFlagsFromString } from 'node:v8';

/**
 * How far (percent) V8 lets the old generation grow past what survived the last full
 * collection before it runs the next one. V8's own factor lets it reach up to ~4 × the live
 * heap under load: peak RSS ~240 MB against ~165-175 MB with this (docs/benchmarks.md).
 */
export const HEAP_GROWING_PERCENT = 30;

/**
 * Sets V8's `--heap-growing-percent` at start-up, so the app keeps its memory whether it is
 * started by `npm start` or as a plain `node dist/main.js`. V8 reads this flag each time it
 * sizes the heap, so setting it after start is safe (unlike GC threading flags, which crash).
 * A `--heap-growing-percent` given on the command line or in NODE_OPTIONS wins; `=0` there
 * gives V8's own heuristics back. Returns whether it set the flag.
 */
export function limitHeapGrowth(
  given: readonly string[] = [
    ...process.execArgv,
    ...(process.env.NODE_OPTIONS ?? '').split(/\s+/),
  ],
  set: (flags: string) => void = setFlagsFromString,
): boolean {
  if (given.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))) return false;
  set(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
