import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from './sqlite-database.js';
import { migrate } from './migrations.js';
import {
  ATTEMPT_COUNTS_TABLE,
  oneAtATime,
  PURGE_ATTEMPT_COUNTS,
  SqlAttemptCounter,
} from './sql-attempt-counter.js';

/** On SQLite here; the backend contract runs the same counter on PostgreSQL. */
describe(SqlAttemptCounter.name, () => {
  let dir: string;
  let db: SqliteDatabase;
  let counts: ReturnType<typeof oneAtATime>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nsa-attempts-'));
    db = await SqliteDatabase.open(join(dir, 'attempts.db'), () => undefined);
    await migrate(db, [ATTEMPT_COUNTS_TABLE.join(';')]);
    counts = oneAtATime(db);
  });

  afterEach(async () => {
    await counts.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const counter = (keyPrefix: string, points: number, duration = 60) =>
    new SqlAttemptCounter(counts.query, { keyPrefix, points, duration });
  const limiter = (points = 5) => counter('test:', points);

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
    const all = db.all.bind(db);
    db.all = async (...args) => {
      most = Math.max(most, ++running);
      try {
        return await all(...args);
      } finally {
        running--;
      }
    };

    await Promise.allSettled(Array.from({ length: 20 }, () => limiter().consume('k')));

    expect(most).toBe(1);
  });

  it('gives points back, deletes a key, and keeps keys of different limiters apart', async () => {
    const a = limiter();
    const b = counter('other:', 5);
    await a.consume('k', 3);
    await b.consume('k', 1);

    expect((await a.reward('k')).consumedPoints).toBe(2);
    expect(await a.delete('k')).toBe(true);
    expect(await a.get('k')).toBeNull();
    expect((await b.get('k'))?.consumedPoints).toBe(1);
  });

  it('starts a new window once the old one is over, and purges counts whose window is over', async () => {
    const short = counter('short:', 1, 1);
    await short.consume('k');
    await expect(short.consume('k')).rejects.toBeInstanceOf(RateLimiterRes);
    const later = Date.now() + 1500;

    await counts.query(PURGE_ATTEMPT_COUNTS, [later]);
    expect(await short.get('k')).toBeNull();
    await expect(short.consume('k')).resolves.toMatchObject({ consumedPoints: 1 });
  });

  it('fails the attempt, not the process, when the file cannot be written', async () => {
    await db.exec('PRAGMA query_only = ON');

    await expect(limiter().consume('k')).rejects.toThrow(/readonly|query_only|attempt to write/i);
    await db.exec('PRAGMA query_only = OFF');
    await expect(limiter().consume('k')).resolves.toMatchObject({ consumedPoints: 1 });
  });
});
