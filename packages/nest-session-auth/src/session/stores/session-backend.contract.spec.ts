import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postgresForTests, temporaryDatabase } from '../../database/testing/postgres.js';
import { MemoryBackend } from './memory.backend.js';
import { PostgresBackend } from './postgres.backend.js';
import { RedisBackend } from './redis.backend.js';
import { SqliteBackend } from './sqlite.backend.js';
import { describeSessionBackend } from './testing/backend-contract.js';
import { redisForTests, uniquePrefix } from './testing/services.js';

const api = { describe, it, expect, beforeEach, afterEach };
const dir = mkdtempSync(join(tmpdir(), 'nsa-contract-'));
let opened = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeSessionBackend('MemoryBackend', async () => new MemoryBackend(), api);
describeSessionBackend(
  'SqliteBackend',
  () => SqliteBackend.open(join(dir, `sessions-${++opened}.db`)),
  api,
);

const redisUrl = await redisForTests();
if (redisUrl) {
  const open = () => RedisBackend.open({ url: redisUrl, prefix: uniquePrefix(`c${++opened}`) });
  describeSessionBackend('RedisBackend', open, api);
}

const postgresUrl = await postgresForTests();
if (postgresUrl) {
  const database = await temporaryDatabase(postgresUrl);
  afterAll(() => database.drop());
  describeSessionBackend('PostgresBackend', () => PostgresBackend.open(database.url), api);
}

describe("the README's example backend", () => {
  it('is MemoryBackend, word for word, imported from the package', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const source = readFileSync(new URL('./memory.backend.ts', import.meta.url), 'utf8');
    const example = source.replace("'./session-backend.js'", "'nest-session-auth'");
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});
