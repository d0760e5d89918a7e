import { describe, expect, it } from 'vitest';
import type { SessionModuleOptions } from './session-options.interface.js';
import { MissingSecretError, resolveSessionOptions } from './session-options.js';

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
    ['a list with an empty entry', ['s', '']],
  ])('rejects %s as secret, naming the rule', (_, secret) => {
    expect(() => resolveSessionOptions({ secret } as SessionModuleOptions)).toThrow(
      new TypeError('SessionModule: secret must be a non-empty string or a list of them'),
    );
  });

  it.each([
    ['no secret', undefined],
    ['an empty list', []],
  ])('refuses %s in production, in one line naming SESSION_SECRET', (_, secret) => {
    const refusal = (() => {
      try {
        resolveSessionOptions({ secret }, { NODE_ENV: 'production' });
      } catch (error) {
        return error as Error;
      }
    })();
    expect(refusal).toBeInstanceOf(MissingSecretError);
    expect(refusal?.message).toMatch(/SESSION_SECRET/);
    expect(refusal?.stack).not.toContain('\n');
  });

  it('reads the secrets from SESSION_SECRET when given none', () => {
    const env = { NODE_ENV: 'production', SESSION_SECRET: 'new,old' };
    expect(resolveSessionOptions({}, env).secrets).toEqual(['new', 'old']);
    expect(resolveSessionOptions({ secret: 'given' }, env).secrets).toEqual(['given']);
  });

  it('signs with a random secret of its own outside production when given none', () => {
    const first = resolveSessionOptions({}, {}).secrets;
    const second = resolveSessionOptions({}, {}).secrets;

    expect(first).toHaveLength(1);
    expect(first[0].length).toBeGreaterThanOrEqual(32);
    expect(second[0]).not.toBe(first[0]);
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
