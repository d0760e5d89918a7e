/** Injection token of the root pino logger. */
export const ROOT_LOGGER = Symbol('LOGGING:ROOT_LOGGER');

/** Injection token of the function that reads the active trace's id (only when tracing is on). */
export const TRACE_ID = Symbol('LOGGING:TRACE_ID');
