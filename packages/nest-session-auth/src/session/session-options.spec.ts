import { describe, expect, it } from 'vitest';
import type { SessionModuleOptions } from './session-options.interface.js';
import { resolveSessionOptions } from './session-options.js';

describe(resolveSessionOptions.name, () => {
  it('applies every default when only a secret is given', () => {
    const sut = resolveSessionOptions({ secret: 's' });

    expect(sut).toMatchObject({
      secrets: ['s'],
      name: 'sid',
      store: { type: 'memory' },
      idleTimeout: 7200,
      rememberMaxAge: 2_592_000,
      absoluteTimeout: 7_776_000,
      purgeInterval: 900,
      secureCookies: false,
    });
  });

  it('keeps given values over defaults, and ignores ones given as undefined', () => {
    const sut = resolveSessionOptions({
      secret: ['new', 'old'],
      name: 'app.sid',
      store: { type: 'sqlite', file: '/tmp/s.db' },
      idleTimeout: 60,
      rememberMaxAge: undefined,
    });

    expect(sut).toMatchObject({
      secrets: ['new', 'old'],
      name: 'app.sid',
      store: { type: 'sqlite', file: '/tmp/s.db' },
      idleTimeout: 60,
      rememberMaxAge: 2_592_000,
    });
  });

  it.each([
    ['an empty string', ''],
    ['an empty list', []],
    ['a list with an empty entry', ['s', '']],
    ['a missing secret', undefined],
  ])('rejects %s as secret, naming the rule', (_, secret) => {
    expect(() => resolveSessionOptions({ secret } as SessionModuleOptions)).toThrow(
      new TypeError('SessionModule: secret must be a non-empty string or a non-empty list of them'),
    );
  });

  it.each([
    ['idleTimeout', 0],
    ['rememberMaxAge', -1],
    ['absoluteTimeout', 1.5],
    ['purgeInterval', Number.NaN],
  ])('rejects %s=%s, naming the option', (key, value) => {
    expect(() => resolveSessionOptions({ secret: 's', [key]: value })).toThrow(
      new TypeError(`SessionModule: ${key} must be a positive whole number of seconds`),
    );
  });

  it('rejects an unknown store type, naming it', () => {
    const options = { secret: 's', store: { type: 'mongo' } } as unknown as SessionModuleOptions;

    expect(() => resolveSessionOptions(options)).toThrow(TypeError);
    expect(() => resolveSessionOptions(options)).toThrow(/unknown store type "mongo"/);
  });
});
