import { it } from 'vitest';
import { SqliteSessionStore } from './session/stores/sqlite-session.store.js';
import { SqliteDatabase } from './database/sqlite-database.js';
import { SessionLifetime } from './session/session-lifetime.js';
it('x', async () => {
  for (const m of ['exec', 'run', 'all', 'close'] as const) {
    const orig = (SqliteDatabase.prototype as any)[m];
    (SqliteDatabase.prototype as any)[m] = function (...a: unknown[]) {
      const p = orig.apply(this, a);
      console.log('call', m, String(a[0]).slice(0, 60));
      p.then(() => console.log('ok', m, String(a[0]).slice(0, 40)), (e: Error) => console.log('rej', m, String(a[0]).slice(0, 40), e.message));
      return p;
    };
  }
  const proto = (SqliteDatabase.prototype as any);
  const op = proto.prepared;
  proto.prepared = function (sql: string) { console.log('prepare', sql.slice(0, 40)); return op.call(this, sql); };
  process.on('unhandledRejection', (e) => console.log('UNHANDLED', e));
  const l = new SessionLifetime({ idleTimeout: 1, rememberMaxAge: 1, absoluteTimeout: 1 });
  const s = await SqliteSessionStore.open('/tmp/probe/c.db', l);
  console.log('opened');
  await s.close();
  console.log('closed');
  await new Promise((r) => setTimeout(r, 200));
});
