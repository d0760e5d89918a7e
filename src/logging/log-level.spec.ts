import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/app-config.js';

describe('LOG_LEVEL', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nsa-log-level-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const sut = (LOG_LEVEL?: string) => loadConfig({ DATA_DIR: dir, SESSION_SECRET: 's', LOG_LEVEL });

  it('is info unless set', () => {
    expect(sut().logLevel).toBe('info');
    expect(sut('').logLevel).toBe('info');
  });

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])('accepts %s', (level) => {
    expect(sut(level).logLevel).toBe(level);
    expect(sut(` ${level.toUpperCase()} `).logLevel).toBe(level);
  });

  it.each(['verbose', 'loud', '30'])('rejects %j with one line naming LOG_LEVEL', (level) => {
    expect(() => sut(level)).toThrow(ConfigError);
    expect(() => sut(level)).toThrow(/^LOG_LEVEL must be one of fatal, error, .* \(got "/);
  });
});
