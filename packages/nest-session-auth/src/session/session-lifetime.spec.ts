import { describe, expect, it } from 'vitest';
import { SessionLifetime } from './session-lifetime.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Browser sessions idle out after 2 h, remembered ones after 30 days, all end 90 days after sign-in. */
const sut = new SessionLifetime({
  idleTimeout: 2 * 3600,
  rememberMaxAge: 30 * 86_400,
  absoluteTimeout: 90 * 86_400,
});

const T0 = Date.UTC(2025, 0, 1);

type StoredSession = Parameters<SessionLifetime['expiresAt']>[0];
type Times = Pick<StoredSession, 'createdAt' | 'lastSeen'>;

/** No cookie expiry: the cookie lasts as long as the browser (no "remember me"). */
const browserSession = (times: Times): StoredSession => ({
  cookie: { originalMaxAge: null, expires: null },
  ...times,
});
const rememberedSession = (times: Times): StoredSession => ({
  cookie: { originalMaxAge: 30 * DAY, expires: new Date(T0 + 30 * DAY) },
  ...times,
});

describe(SessionLifetime.name, () => {
  it('ends a browser session the idle timeout after it was last seen', () => {
    const session = browserSession({ createdAt: T0, lastSeen: T0 + HOUR });

    expect(sut.expiresAt(session)).toBe(T0 + 3 * HOUR);
    expect(sut.hasExpired(session, T0 + 3 * HOUR - 1)).toBe(false);
    expect(sut.hasExpired(session, T0 + 3 * HOUR)).toBe(true);
  });

  it('ends a remembered session the remember max-age after it was last seen', () => {
    const session = rememberedSession({ createdAt: T0, lastSeen: T0 + DAY });

    expect(sut.expiresAt(session)).toBe(T0 + 31 * DAY);
    expect(sut.hasExpired(session, T0 + 3 * HOUR)).toBe(false);
    expect(sut.hasExpired(session, T0 + 31 * DAY - 1)).toBe(false);
    expect(sut.hasExpired(session, T0 + 31 * DAY)).toBe(true);
  });

  it('treats a cookie expiry stored as a string (after JSON) as remembered', () => {
    const session = {
      cookie: { originalMaxAge: 30 * DAY, expires: new Date(T0).toISOString() },
      lastSeen: T0,
    } as unknown as StoredSession;

    expect(sut.expiresAt(session)).toBe(T0 + 30 * DAY);
  });

  it('caps a session at the absolute timeout after sign-in, however active it is', () => {
    const session = rememberedSession({ createdAt: T0, lastSeen: T0 + 89 * DAY });

    expect(sut.expiresAt(session)).toBe(T0 + 90 * DAY);
    expect(sut.hasExpired(session, T0 + 90 * DAY - 1)).toBe(false);
    expect(sut.hasExpired(session, T0 + 90 * DAY)).toBe(true);
  });

  it('caps a browser session too, when sign-in was long ago', () => {
    const session = browserSession({ createdAt: T0, lastSeen: T0 + 90 * DAY - MINUTE });

    expect(sut.expiresAt(session)).toBe(T0 + 90 * DAY);
  });

  it('only slides when there is no sign-in time', () => {
    const session = rememberedSession({ lastSeen: T0 + 100 * DAY });

    expect(sut.expiresAt(session)).toBe(T0 + 130 * DAY);
    expect(sut.hasExpired(session, T0 + 120 * DAY)).toBe(false);
  });

  it('counts a session never seen as seen now', () => {
    const session = browserSession({});

    expect(sut.expiresAt(session, T0)).toBe(T0 + 2 * HOUR);
    expect(sut.hasExpired(session, T0)).toBe(false);
  });
});
