import { Logger } from '@nestjs/common';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { PinoLogger } from './pino-logger.service.js';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const root = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { sut: new PinoLogger(root), lines };
}

describe(PinoLogger.name, () => {
  afterEach(() => Logger.overrideLogger(false));

  it("writes Nest's Logger calls as JSON with their context, objects merged in", () => {
    const { sut, lines } = capture();
    Logger.overrideLogger(sut);
    new Logger('Auth').log({ event: 'sign-in', user: 'u1' });
    new Logger('Bootstrap').log('Listening on http://[::1]:3000');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, context: 'Auth', event: 'sign-in', user: 'u1' }),
      expect.objectContaining({
        level: 30,
        context: 'Bootstrap',
        msg: 'Listening on http://[::1]:3000',
      }),
    ]);
  });

  it('keeps the stack of an error apart from its context', () => {
    const { sut, lines } = capture();
    Logger.overrideLogger(sut);
    new Logger('HTTP').error('GET / failed', 'Error: boom\n    at x (y.ts:1:2)');
    new Logger('HTTP').error('no stack');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        context: 'HTTP',
        msg: 'GET / failed',
        stack: 'Error: boom\n    at x (y.ts:1:2)',
      }),
      expect.objectContaining({ level: 50, context: 'HTTP', msg: 'no stack' }),
    ]);
  });

  it('drops what is below the level', () => {
    const { sut, lines } = capture('warn');
    sut.log('hello', 'Quiet');
    sut.debug('details', 'Quiet');
    sut.warn('careful', 'Loud');
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, context: 'Loud', msg: 'careful' }),
    ]);
  });
});
