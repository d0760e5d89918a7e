import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from './sqlite-database.js';
import { SqliteAttemptCounts } from './sqlite-rate-limiter.js';

describe(SqliteAttemptCounts.name, () => {
  let dir: string;
  let db: SqliteDatabase;
  let sut: SqliteAttemptCounts;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nsa-attempts-'));
    db = await SqliteDatabase.open(join(dir, 'attempts.db'), () => undefined);
    sut = await SqliteAttemptCounts.open(db);
  });

  afterEach(async () => {
    await sut.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const limiter = (points = 5) => sut.limiter({ keyPrefix: 'test:', points, duration: 60 });

  it('counts simultaneous attempts exactly and refuses the ones past the limit', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => limiter().consume('k')),
    );

    const refused = results.filter((result) => result.status === 'rejected');
    expect(results.length - refused.length).toBe(5);
    for (const { reason } of refused) expect(reason).toBeInstanceOf(RateLimiterRes);
    expect((await limiter().get('k'))?.consumedPoints).toBe(20);
  });

  it('runs one statement at a time on its connection', async () => {
    let running = 0;
    let most = 0;
    const get = db.get.bind(db);
    db.get = async (...args) => {
      most = Math.max(most, ++running);
      try {
        return await get(...args);
      } finally {
        running--;
      }
    };

    await Promise.allSettled(Array.from({ length: 20 }, () => limiter().consume('k')));

    expect(most).toBe(1);
  });

  it('gives points back, deletes a key, and keeps keys of different limiters apart', async () => {
    const a = limiter();
    const b = sut.limiter({ keyPrefix: 'other:', points: 5, duration: 60 });
    await a.consume('k', 3);
    await b.consume('k', 1);

    expect((await a.reward('k')).consumedPoints).toBe(2);
    expect(await a.delete('k')).toBe(true);
    expect(await a.get('k')).toBeNull();
    expect((await b.get('k'))?.consumedPoints).toBe(1);
  });

  it('starts a new window once the old one is over, and purges counts whose window is over', async () => {
    const short = sut.limiter({ keyPrefix: 'short:', points: 1, duration: 1 });
    await short.consume('k');
    await expect(short.consume('k')).rejects.toBeInstanceOf(RateLimiterRes);
    const later = Date.now() + 1500;

    expect(await sut.purgeExpired(later)).toBe(1);
    await expect(short.consume('k')).resolves.toMatchObject({ consumedPoints: 1 });
  });

  it('fails the attempt, not the process, when the file cannot be written', async () => {
    await db.exec('PRAGMA query_only = ON');

    await expect(limiter().consume('k')).rejects.toThrow(/readonly|query_only|attempt to write/i);
    await db.exec('PRAGMA query_only = OFF');
    await expect(limiter().consume('k')).resolves.toMatchObject({ consumedPoints: 1 });
  });
});
