import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Inject,
  Injectable,
  Module,
  type ConfigurableModuleOptionsFactory,
  type DynamicModule,
} from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RESOLVED_SESSION_OPTIONS,
  SESSION_OPTIONS,
  SESSION_STORE,
  SessionModule,
  type ManagedSessionStore,
  type ResolvedSessionOptions,
  type SessionModuleOptions,
} from './index.js';
import { MemorySessionStore } from './stores/memory-session.store.js';
import { SqliteSessionStore } from './stores/sqlite-session.store.js';

const SECRET = Symbol('TEST:SECRET');

@Module({
  providers: [{ provide: SECRET, useValue: 'from-config' }],
  exports: [SECRET],
})
class ConfigModule {}

@Injectable()
class SessionConfig implements ConfigurableModuleOptionsFactory<SessionModuleOptions, 'create'> {
  create(): SessionModuleOptions {
    return { secret: 'from-class', idleTimeout: 60, store: { type: 'memory' } };
  }
}

describe(SessionModule.name, () => {
  let dir: string;
  let moduleRef: TestingModule | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nsa-session-module-'));
  });

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function compile(sessionModule: DynamicModule): Promise<TestingModule> {
    moduleRef = await Test.createTestingModule({ imports: [sessionModule] }).compile();
    return moduleRef;
  }

  it('forRoot: exposes the options and an in-memory store', async () => {
    const options: SessionModuleOptions = { secret: 's', store: { type: 'memory' } };
    const sut = await compile(SessionModule.forRoot(options));

    expect(sut.get(SESSION_OPTIONS)).toEqual(options);
    expect(sut.get(RESOLVED_SESSION_OPTIONS)).toMatchObject({ secrets: ['s'], idleTimeout: 7200 });
    expect(sut.get(SESSION_STORE)).toBeInstanceOf(MemorySessionStore);
  });

  it('forRoot: opens a SQLite store at the given file and closes it with the module', async () => {
    const sut = await compile(
      SessionModule.forRoot({ secret: 's', store: { type: 'sqlite', file: join(dir, 's.db') } }),
    );
    const store = sut.get<ManagedSessionStore>(SESSION_STORE);

    expect(store).toBeInstanceOf(SqliteSessionStore);
    await expect(store.ping()).resolves.toBeUndefined();

    await sut.close();
    moduleRef = undefined;
    await expect(store.ping()).rejects.toThrow(/closed/i);
  });

  it('forRoot: fails to compile with invalid options, naming the rule', async () => {
    await expect(compile(SessionModule.forRoot({ secret: [''] }))).rejects.toThrow(
      /secret must be a non-empty/,
    );
  });

  it('forRootAsync with useFactory: injects from imported modules', async () => {
    const sut = await compile(
      SessionModule.forRootAsync({
        imports: [ConfigModule],
        inject: [SECRET],
        useFactory: (secret: string) => ({ secret, store: { type: 'memory' } }),
      }),
    );

    expect(sut.get(SESSION_OPTIONS)).toEqual({ secret: 'from-config', store: { type: 'memory' } });
    expect(sut.get<ResolvedSessionOptions>(RESOLVED_SESSION_OPTIONS).secrets).toEqual([
      'from-config',
    ]);
    expect(sut.get(SESSION_STORE)).toBeInstanceOf(MemorySessionStore);
  });

  it('forRootAsync with useFactory: can build a SQLite store', async () => {
    const file = join(dir, 's.db');
    const sut = await compile(
      SessionModule.forRootAsync({
        useFactory: async () => ({ secret: 's', store: { type: 'sqlite', file } }),
      }),
    );

    const store = sut.get<ManagedSessionStore>(SESSION_STORE);

    expect(store).toBeInstanceOf(SqliteSessionStore);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('forRootAsync with useClass: takes the options from the class create()', async () => {
    const sut = await compile(SessionModule.forRootAsync({ useClass: SessionConfig }));

    expect(sut.get(SESSION_OPTIONS)).toEqual(new SessionConfig().create());
    expect(sut.get(RESOLVED_SESSION_OPTIONS)).toMatchObject({
      secrets: ['from-class'],
      idleTimeout: 60,
    });
    expect(sut.get(SESSION_STORE)).toBeInstanceOf(MemorySessionStore);
  });

  it('forRootAsync with useClass: the class can inject providers of imported modules', async () => {
    @Injectable()
    class FromConfig implements ConfigurableModuleOptionsFactory<SessionModuleOptions, 'create'> {
      constructor(@Inject(SECRET) private readonly secret: string) {}
      create(): SessionModuleOptions {
        return { secret: [this.secret, 'old'] };
      }
    }
    const sut = await compile(
      SessionModule.forRootAsync({ imports: [ConfigModule], useClass: FromConfig }),
    );

    expect(sut.get<ResolvedSessionOptions>(RESOLVED_SESSION_OPTIONS).secrets).toEqual([
      'from-config',
      'old',
    ]);
  });
});
