/** Injection token of the Express middleware that times each request (only with METRICS_PORT). */
export const REQUEST_TIMER = Symbol('METRICS:REQUEST_TIMER');
