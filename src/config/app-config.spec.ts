import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

describe(loadConfig.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nsa-config-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** An environment whose DATA_DIR is this test's temp dir, so nothing lands in ./data. */
  const env = (vars: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ DATA_DIR: dir, ...vars });

  /** What loadConfig throws for these variables (undefined if it accepts them). */
  function thrownBy(vars: NodeJS.ProcessEnv): unknown {
    try {
      loadConfig(env(vars));
      return undefined;
    } catch (error) {
      return error;
    }
  }

  it('applies the documented defaults when nothing is set', () => {
    const sut = loadConfig(env());

    expect(sut).toMatchObject({
      port: 3000,
      sessionStore: 'sqlite',
      cookieName: 'sid',
      idleTimeout: 7200,
      rememberMaxAge: 2_592_000,
      absoluteTimeout: 7_776_000,
      purgeInterval: 900,
      trustProxy: false,
      production: false,
      dataDir: dir,
    });
  });

  it.each([
    ['SESSION_STORE', 'mongo'],
    ['PORT', 'http'],
    ['PORT', '70000'],
    ['SESSION_IDLE_TIMEOUT', '0'],
    ['SESSION_IDLE_TIMEOUT', '-1'],
    ['SESSION_IDLE_TIMEOUT', 'abc'],
    ['SESSION_IDLE_TIMEOUT', '1.5'],
    ['SESSION_REMEMBER_MAX_AGE', '0'],
    ['SESSION_ABSOLUTE_TIMEOUT', 'soon'],
    ['SESSION_PURGE_INTERVAL', '-5'],
    ['SESSION_PURGE_INTERVAL', '2147484'],
    ['DATABASE_URL', 'mysql://localhost/app'],
    ['DATABASE_URL', 'localhost:5432'],
    ['SESSION_COOKIE_NAME', 'my sid'],
    ['SESSION_SECRET', 'first,,second'],
    ['SESSION_SECRET', 'first, '],
  ])('rejects %s=%j with one line naming the variable', (name, value) => {
    const error = thrownBy({ [name]: value });

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(name);
    expect((error as ConfigError).message).not.toContain('\n');
  });

  it('keeps accounts in DATA_DIR/accounts.db unless DATABASE_URL names a PostgreSQL server', () => {
    expect(loadConfig(env()).accountsDatabase).toEqual({
      type: 'sqlite',
      file: join(dir, 'accounts.db'),
    });
    for (const url of ['postgres://app:pw@db:5432/app', 'postgresql://db/app?sslmode=require']) {
      expect(loadConfig(env({ DATABASE_URL: url })).accountsDatabase).toEqual({
        type: 'postgres',
        url,
      });
    }
  });

  it('refuses to start in production without SESSION_SECRET', () => {
    const error = thrownBy({ NODE_ENV: 'production' });

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('SESSION_SECRET');
  });

  it('reads comma-separated secrets as a list, newest first, ignoring spaces around commas', () => {
    const sut = loadConfig(env({ SESSION_SECRET: 'new, old,older', NODE_ENV: 'production' }));

    expect(sut.sessionSecrets).toEqual(['new', 'old', 'older']);
  });

  it('generates a development secret once, readable only by the owner, and reuses it', () => {
    const first = loadConfig(env());
    const file = join(dir, 'session-secret');

    expect(first.sessionSecrets).toEqual([readFileSync(file, 'utf8')]);
    expect(first.sessionSecrets[0].length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig(env()).sessionSecrets).toEqual(first.sessionSecrets);
  });

  it('creates a missing DATA_DIR', () => {
    const nested = join(dir, 'a', 'b');

    expect(loadConfig(env({ DATA_DIR: nested })).dataDir).toBe(nested);
    expect(statSync(nested).isDirectory()).toBe(true);
  });

  it('rejects a DATA_DIR that cannot be created, naming DATA_DIR', () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, '');

    const error = thrownBy({ DATA_DIR: join(file, 'data') });

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('DATA_DIR');
    expect((error as ConfigError).message).toContain('ENOTDIR');
  });

  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['true', true],
    ['1', 1],
    ['2', 2],
    ['loopback', 'loopback'],
    ['10.0.0.0/8', '10.0.0.0/8'],
  ])('reads TRUST_PROXY=%j as %j', (raw, expected) => {
    expect(loadConfig(env({ TRUST_PROXY: raw })).trustProxy).toEqual(expected);
  });
});
