import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, MIN_SECRET_LENGTH } from './app-config.js';

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
      authAttemptsPerMinute: 30,
      trustProxy: false,
      production: false,
      dataDir: dir,
      warnings: [],
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
    ['AUTH_ATTEMPTS_PER_MINUTE', '0'],
    ['AUTH_ATTEMPTS_PER_MINUTE', 'many'],
    ['METRICS_PORT', 'prometheus'],
    ['METRICS_PORT', '0'],
    ['METRICS_PORT', '65536'],
    ['METRICS_PORT', '9100.5'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'grpc://collector:4317'],
    ['REDIS_SENTINELS', 'sentinel-1'],
    ['REDIS_SENTINELS', 'sentinel-1:26379,'],
    ['REDIS_SENTINELS', 'sentinel-1:0'],
    ['REDIS_CLUSTER_NODES', 'a:7000;b:7001'],
    ['REDIS_CLUSTER_NODES', 'redis://a:7000'],
    ['REDIS_MIN_REPLICAS', '-1'],
    ['REDIS_MIN_REPLICAS', 'one'],
  ])('rejects %s=%j with one line naming the variable', (name, value) => {
    const error = thrownBy({ [name]: value });

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(name);
    expect((error as ConfigError).message).not.toContain('\n');
  });

  it('keeps sessions in PostgreSQL only with a PostgreSQL DATABASE_URL, saying so in one line', () => {
    const error = thrownBy({ SESSION_STORE: 'postgres' });
    expect((error as ConfigError).message).toMatch(/^SESSION_STORE=postgres .*DATABASE_URL[^\n]*$/);
    const url = 'postgres://app@db.internal/app';
    expect(loadConfig(env({ SESSION_STORE: 'postgres', DATABASE_URL: url }))).toMatchObject({
      sessionStore: 'postgres',
      accountsDatabase: { type: 'postgres', url },
    });
  });

  it('finds Redis through Sentinels or a Cluster when their lists are set', () => {
    expect(loadConfig(env()).redis).toEqual({ url: 'redis://127.0.0.1:6379' });
    const sentinels = { REDIS_SENTINELS: 's1:26379, [::1]:26380', REDIS_MIN_REPLICAS: '2' };
    expect(loadConfig(env(sentinels)).redis).toMatchObject({
      sentinel: {
        nodes: [
          { host: 's1', port: 26379 },
          { host: '::1', port: 26380 },
        ],
        name: undefined, // the package's default, mymaster
      },
      minReplicas: 2,
    });
    expect(
      loadConfig(env({ REDIS_CLUSTER_NODES: 'r1:7000,r2:7001', REDIS_URL: 'redis://:pw@x' })).redis,
    ).toEqual({
      url: 'redis://:pw@x',
      cluster: {
        nodes: [
          { host: 'r1', port: 7000 },
          { host: 'r2', port: 7001 },
        ],
      },
    });
  });

  it.each([
    [{ REDIS_SENTINELS: 's:26379', REDIS_CLUSTER_NODES: 'r:7000' }, /exclude each other/],
    [
      { REDIS_CLUSTER_NODES: 'r:7000', REDIS_MIN_REPLICAS: '1' },
      /not supported with REDIS_CLUSTER_NODES/,
    ],
  ])('refuses Redis settings that cannot work together (%j) in one line', (vars, line) => {
    expect((thrownBy(vars) as ConfigError).message).toMatch(line);
  });

  it('turns metrics and tracing on only when their variables are set', () => {
    expect(loadConfig(env())).toMatchObject({ metricsPort: undefined, tracing: undefined });
    expect(
      loadConfig(
        env({ METRICS_PORT: '9464', OTEL_EXPORTER_OTLP_ENDPOINT: ' http://collector:4318 ' }),
      ),
    ).toMatchObject({
      metricsPort: 9464,
      tracing: { endpoint: 'http://collector:4318', serviceName: 'nest-session-auth' },
    });
    expect(
      loadConfig(
        env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example', OTEL_SERVICE_NAME: 'shop' }),
      ).tracing?.serviceName,
    ).toBe('shop');
  });

  it('refuses a METRICS_PORT equal to PORT: metrics are never on the public port', () => {
    expect(thrownBy({ PORT: '8080', METRICS_PORT: '8080' })).toEqual(
      new ConfigError(
        'METRICS_PORT must differ from PORT (both 8080): metrics are never served on the public port',
      ),
    );
    expect(thrownBy({ METRICS_PORT: '3000' })).toBeInstanceOf(ConfigError);
  });

  it('reads AUTH_ATTEMPTS_PER_MINUTE', () => {
    expect(loadConfig(env({ AUTH_ATTEMPTS_PER_MINUTE: '5' })).authAttemptsPerMinute).toBe(5);
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
    const [newest, old, older] = ['n', 'o', 'p'].map((c) => c.repeat(MIN_SECRET_LENGTH));
    const sut = loadConfig(
      env({ SESSION_SECRET: `${newest}, ${old},${older}`, NODE_ENV: 'production' }),
    );

    expect(sut.sessionSecrets).toEqual([newest, old, older]);
  });

  it('refuses, in production, a secret shorter than 32 characters without echoing it', () => {
    expect(MIN_SECRET_LENGTH).toBe(32);
    const short = 's3cret'.padEnd(MIN_SECRET_LENGTH - 1, '!');
    const error = thrownBy({
      NODE_ENV: 'production',
      SESSION_SECRET: `${'a'.repeat(MIN_SECRET_LENGTH)},${short}`,
    });

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('SESSION_SECRET');
    expect((error as ConfigError).message).toContain('at least 32 characters');
    expect((error as ConfigError).message).not.toContain('s3cret');
    expect((error as ConfigError).message).not.toContain('\n');
  });

  it('accepts short secrets outside production, for local development', () => {
    expect(loadConfig(env({ SESSION_SECRET: 'dev' })).sessionSecrets).toEqual(['dev']);
  });

  it('generates a development secret once, readable only by the owner, and reuses it', () => {
    const first = loadConfig(env());
    const file = join(dir, 'session-secret');

    expect(first.sessionSecrets).toEqual([readFileSync(file, 'utf8')]);
    expect(first.sessionSecrets[0].length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig(env()).sessionSecrets).toEqual(first.sessionSecrets);
  });

  it('creates a missing DATA_DIR readable only by the owner', () => {
    const nested = join(dir, 'a', 'b');

    expect(loadConfig(env({ DATA_DIR: nested })).dataDir).toBe(nested);
    expect(statSync(nested).isDirectory()).toBe(true);
    expect(statSync(nested).mode & 0o777).toBe(0o700);
  });

  it('leaves the mode of an existing DATA_DIR alone', () => {
    chmodSync(dir, 0o755);

    loadConfig(env());

    expect(statSync(dir).mode & 0o777).toBe(0o755);
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

  it('refuses TRUST_PROXY=true in production, suggesting a hop count or the proxies addresses', () => {
    const error = thrownBy({
      NODE_ENV: 'production',
      SESSION_SECRET: 'a'.repeat(MIN_SECRET_LENGTH),
      TRUST_PROXY: 'true',
    });

    expect(error).toBeInstanceOf(ConfigError);
    const { message } = error as ConfigError;
    expect(message).toMatch(/^TRUST_PROXY=true is refused when NODE_ENV=production: /);
    expect(message).toContain('TRUST_PROXY=1');
    expect(message).toContain('TRUST_PROXY=10.0.0.1,10.0.0.2');
    expect(message).not.toContain('\n');
  });

  it('accepts a hop count or addresses for TRUST_PROXY in production, without warnings', () => {
    for (const [raw, expected] of [
      ['1', 1],
      ['10.0.0.1,10.0.0.2', '10.0.0.1,10.0.0.2'],
    ] as const) {
      const sut = loadConfig(
        env({ NODE_ENV: 'production', SESSION_SECRET: 'a'.repeat(32), TRUST_PROXY: raw }),
      );
      expect({ trustProxy: sut.trustProxy, warnings: sut.warnings }).toEqual({
        trustProxy: expected,
        warnings: [],
      });
    }
  });

  it('accepts TRUST_PROXY=true in development with one warning line naming it', () => {
    const sut = loadConfig(env({ TRUST_PROXY: 'true' }));

    expect(sut.trustProxy).toBe(true);
    expect(sut.warnings).toEqual([expect.stringMatching(/^TRUST_PROXY=true .*TRUST_PROXY=1/)]);
    expect(sut.warnings[0]).not.toContain('\n');
  });
});
