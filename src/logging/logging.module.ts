import { Global, Module, type DynamicModule } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './log-level.js';
import { ROOT_LOGGER, TRACE_ID } from './logging.constants.js';
import { PinoLogger } from './pino-logger.service.js';

export interface LoggingOptions {
  /** Lines below this level are dropped. */
  level: LogLevel;
  /** Where lines go. @default standard output */
  destination?: DestinationStream;
  /** Reads the active trace's id, for request lines to carry it. @default none (tracing off) */
  traceId?: () => string | undefined;
}

/**
 * JSON logs on pino: `PinoLogger` for `app.useLogger()` and the request-log middleware.
 * @example LoggingModule.forRoot({ level: config.logLevel })
 */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions): DynamicModule {
    return {
      module: LoggingModule,
      providers: [
        { provide: ROOT_LOGGER, useValue: rootLogger(options) },
        ...(options.traceId ? [{ provide: TRACE_ID, useValue: options.traceId }] : []),
        PinoLogger,
      ],
      exports: [PinoLogger],
    };
  }
}

function rootLogger({ level, destination }: LoggingOptions): Logger {
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Nothing below logs headers; should anyone log a raw request or response, these stay out.
      redact: {
        paths: [
          'req.headers.cookie',
          'req.headers.authorization',
          'req.headers["x-csrf-token"]',
          'res.headers["set-cookie"]',
          'headers.cookie',
          'headers.authorization',
        ],
        remove: true,
      },
    },
    destination,
  );
}
