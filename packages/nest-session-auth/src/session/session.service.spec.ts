import type { Request, Response } from 'express';
import type { SessionData } from 'express-session';
import { describe, expect, it, vi } from 'vitest';
import { resolveSessionOptions } from './session-options.js';
import { SessionService } from './session.service.js';
import type { ManagedSessionStore } from './stores/managed-session-store.js';
import { VISITOR_COOKIE } from './visitor-cookie.js';

/** A key a feature module would declare, such as a theme. */
const PREFERENCE = 'preference' as keyof SessionData;
const isPreference = (value: unknown): value is never => value === 'dark' || value === 'light';
const anything = (_value: unknown): _value is never => true;

type Callback = (error?: unknown) => void;

/** What express-session and Express put on a request, reduced to what SessionService calls. */
function fakeRequest(data: Partial<SessionData>, cookies: Record<string, string> = {}) {
  const store = new Map<string, Partial<SessionData>>([['old-id', { ...data }]]);
  const cookie = vi.fn<Response['cookie']>();
  const clearCookie = vi.fn<Response['clearCookie']>();
  const res = { cookie, clearCookie } as unknown as Response;
  const req = { sessionID: 'old-id', get: () => undefined, cookies, res } as unknown as Request;
  const sessionFor = (values: Partial<SessionData>) =>
    Object.assign(Object.create(sessionMethods) as object, values) as Request['session'];
  const sessionMethods = {
    regenerate(callback: Callback) {
      store.delete(req.sessionID);
      req.sessionID = 'new-id';
      req.session = sessionFor({ cookie: { originalMaxAge: null } as SessionData['cookie'] });
      callback();
    },
    save(callback: Callback) {
      store.set(req.sessionID, { ...req.session });
      callback();
    },
    destroy(callback: Callback) {
      store.delete(req.sessionID);
      callback();
    },
  };
  req.session = sessionFor(data);
  return { req, res, store, cookie, clearCookie };
}

function setup() {
  const options = resolveSessionOptions({ secret: 'a-secret-long-enough-for-tests' });
  const sut = new SessionService(options, {} as ManagedSessionStore);
  sut.registerVisitorKey(PREFERENCE, isPreference);
  return { sut };
}

/** The visitor cookie a response set, as the next request would send it. */
function visitorCookieSet(cookie: ReturnType<typeof fakeRequest>['cookie']) {
  const call = cookie.mock.calls.find(([name]) => name === VISITOR_COOKIE);
  return call && { [VISITOR_COOKIE]: call[1] as string };
}

/** A visitor whose cookie holds `values`, written by the real code. */
async function visitorWith(sut: SessionService, values: Record<string, string>) {
  const { req, res, cookie } = fakeRequest({});
  for (const [key, value] of Object.entries(values))
    await sut.setVisitorValue(req, res, key as keyof SessionData, value as never);
  return visitorCookieSet(cookie)!;
}

const establishAs = (sut: SessionService, req: Request, id: string) =>
  sut.establish(req, { user: { id, name: id } }, { remember: false, owner: id });

const signedIn: Partial<SessionData> = {
  user: { id: 'u-1', name: 'alice' },
  owner: 'u-1',
  createdAt: 1,
  lastSeen: 1,
};

describe(SessionService.name, () => {
  describe('setVisitorValue / visitorValue', () => {
    it('keeps a visitor’s value in a signed cookie, without a session row', async () => {
      const { sut } = setup();
      const { req, res, store, cookie } = fakeRequest({});

      await sut.setVisitorValue(req, res, PREFERENCE, 'dark' as never);

      expect(store.get('old-id')).toEqual({});
      expect(cookie).toHaveBeenCalledWith(
        VISITOR_COOKIE,
        expect.any(String),
        expect.objectContaining({ httpOnly: true, sameSite: 'lax', path: '/', secure: false }),
      );
      expect(sut.visitorValue(req, PREFERENCE)).toBe('dark');
      const next = fakeRequest({}, visitorCookieSet(cookie));
      expect(sut.visitorValue(next.req, PREFERENCE)).toBe('dark');
    });

    it('writes to a stored session, and saves it', async () => {
      const { sut } = setup();
      const { req, res, store, cookie } = fakeRequest(signedIn);

      await sut.setVisitorValue(req, res, PREFERENCE, 'dark' as never);

      expect(store.get('old-id')).toMatchObject({ [PREFERENCE]: 'dark' });
      expect(cookie).not.toHaveBeenCalled();
      expect(sut.visitorValue(req, PREFERENCE)).toBe('dark');
    });

    it('refuses a key that is not registered', async () => {
      const { sut } = setup();
      const { req, res } = fakeRequest({});
      await expect(sut.setVisitorValue(req, res, 'cart' as never, 'x' as never)).rejects.toThrow(
        'not a visitor key',
      );
    });

    it.each([
      [
        'a changed value',
        (c: string) =>
          c.replace(/^[^.]+/, Buffer.from('{"preference":"light"}').toString('base64url')),
      ],
      ['a changed signature', (c: string) => `${c.slice(0, -2)}${c.endsWith('AA') ? 'AB' : 'AA'}`],
      ['no signature', (c: string) => c.split('.')[0]],
      ['garbage', () => 'garbage'],
      ['an oversized cookie', (c: string) => c + 'x'.repeat(2000)],
    ])('ignores a cookie with %s', async (_label, tamper) => {
      const { sut } = setup();
      const cookies = await visitorWith(sut, { [PREFERENCE]: 'dark' });
      const { req } = fakeRequest({}, { [VISITOR_COOKIE]: tamper(cookies[VISITOR_COOKIE]) });
      expect(sut.visitorValue(req, PREFERENCE)).toBeUndefined();
    });

    it('drops keys that are not registered and values the check refuses', async () => {
      const { sut } = setup();
      const other = new SessionService(
        resolveSessionOptions({ secret: 'a-secret-long-enough-for-tests' }),
        {} as ManagedSessionStore,
      );
      other.registerVisitorKey(PREFERENCE, anything);
      other.registerVisitorKey('cart' as keyof SessionData, anything);
      const cookies = await visitorWith(other, { [PREFERENCE]: 'blue', cart: 'x' });
      const { req } = fakeRequest({}, cookies);
      expect(sut.visitorValue(req, PREFERENCE)).toBeUndefined();
      expect(sut.visitorValue(req, 'cart' as keyof SessionData)).toBeUndefined();
    });

    it('accepts a cookie signed with an older secret', async () => {
      const old = new SessionService(
        resolveSessionOptions({ secret: 'the-old-secret' }),
        {} as ManagedSessionStore,
      );
      old.registerVisitorKey(PREFERENCE, isPreference);
      const cookies = await visitorWith(old, { [PREFERENCE]: 'dark' });
      const rotated = new SessionService(
        resolveSessionOptions({ secret: ['the-new-secret', 'the-old-secret'] }),
        {} as ManagedSessionStore,
      );
      rotated.registerVisitorKey(PREFERENCE, isPreference);
      const retired = setup().sut;
      expect(rotated.visitorValue(fakeRequest({}, cookies).req, PREFERENCE)).toBe('dark');
      expect(retired.visitorValue(fakeRequest({}, cookies).req, PREFERENCE)).toBeUndefined();
    });
  });

  describe('end', () => {
    it('deletes the session and clears the cookie, leaving no visitor cookie when nothing is kept', async () => {
      const { sut } = setup();
      const { req, res, store, clearCookie, cookie } = fakeRequest(signedIn);

      await sut.end(req, res);

      expect(store.size).toBe(0);
      expect(clearCookie).toHaveBeenCalledWith('sid', expect.objectContaining({ path: '/' }));
      expect(cookie).not.toHaveBeenCalled();
    });

    it('deletes the session and moves its visitor keys (only) into the visitor cookie', async () => {
      const { sut } = setup();
      const { req, res, store, clearCookie, cookie } = fakeRequest({
        ...signedIn,
        [PREFERENCE]: 'dark',
      });

      await sut.end(req, res);

      expect(store.size).toBe(0);
      expect(clearCookie).toHaveBeenCalledWith('sid', expect.anything());
      const next = fakeRequest({}, visitorCookieSet(cookie));
      expect(sut.visitorValue(next.req, PREFERENCE)).toBe('dark');
      expect(sut.visitorValue(next.req, 'user')).toBeUndefined();
      expect(cookie).toHaveBeenCalledWith(
        VISITOR_COOKIE,
        expect.any(String),
        expect.objectContaining({ maxAge: 2_592_000_000 }),
      );
    });
  });

  describe('establish', () => {
    const CART = 'cart' as keyof SessionData;

    it('issues a new id, moves the visitor cookie into the session and clears the cookies it replaces', async () => {
      const { sut } = setup();
      const cookies = { ...(await visitorWith(sut, { [PREFERENCE]: 'dark' })), csrf: 'any' };
      const { req, store, clearCookie } = fakeRequest({}, cookies);

      await establishAs(sut, req, 'u-1');

      expect(store.has('old-id')).toBe(false);
      expect(store.get('new-id')).toMatchObject({ [PREFERENCE]: 'dark', owner: 'u-1' });
      expect(new Set(clearCookie.mock.calls.map(([name]) => name))).toEqual(
        new Set(['csrf', VISITOR_COOKIE]),
      );
    });

    it('carries the app data of the same owner over', async () => {
      const { sut } = setup();
      const { req, store } = fakeRequest({ ...signedIn, [CART]: { a: 1 } } as Partial<SessionData>);
      await establishAs(sut, req, 'u-1');
      expect(store.get('new-id')).toMatchObject({ [CART]: { a: 1 }, owner: 'u-1' });
    });

    it('keeps only visitor keys when another user signs in on this browser', async () => {
      const { sut } = setup();
      const { req, store } = fakeRequest({
        ...signedIn,
        [PREFERENCE]: 'dark',
        [CART]: { a: 1 },
      } as Partial<SessionData>);

      await establishAs(sut, req, 'u-2');

      const saved = store.get('new-id') as Record<string, unknown>;
      expect(saved).toMatchObject({ [PREFERENCE]: 'dark', owner: 'u-2', user: { id: 'u-2' } });
      expect(saved[CART]).toBeUndefined();
    });
  });

  describe('renew', () => {
    it('moves every key to a new id with a new CSRF token, keeping a remembered lifetime', async () => {
      const { sut } = setup();
      const data = {
        ...signedIn,
        handle: 'h-1',
        device: { userAgent: 'ua', ip: '1.2.3.4' },
        csrfToken: 'old-token',
        [PREFERENCE]: 'dark',
        cookie: { originalMaxAge: 60_000 } as SessionData['cookie'],
      } as Partial<SessionData>;
      const { req, store } = fakeRequest(data);

      await sut.renew(req);

      expect(store.has('old-id')).toBe(false);
      const { cookie: _cookie, csrfToken, ...rest } = data;
      expect(store.get('new-id')).toMatchObject(rest);
      expect(store.get('new-id')?.csrfToken).not.toBe(csrfToken);
      expect(req.session.cookie.maxAge).toBe(60_000);
    });
  });
});
