import type { Request, Response } from 'express';
import type { SessionData } from 'express-session';
import { describe, expect, it, vi } from 'vitest';
import type { ResolvedSessionOptions } from './session-options.interface.js';
import { SessionService } from './session.service.js';
import type { ManagedSessionStore } from './stores/managed-session-store.js';

/** A key a feature module would declare, such as a theme. */
const PREFERENCE = 'preference' as keyof SessionData;

type Callback = (error?: unknown) => void;

/** What express-session puts on a request, reduced to what SessionService calls. */
function fakeRequest(data: Partial<SessionData>) {
  const store = new Map<string, Partial<SessionData>>([['old-id', { ...data }]]);
  const req = { sessionID: 'old-id', get: () => undefined } as unknown as Request;
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
  return { req, store };
}

function setup() {
  const options = { name: 'sid', secureCookies: false } as ResolvedSessionOptions;
  const sut = new SessionService(options, {} as ManagedSessionStore);
  const clearCookie = vi.fn<Response['clearCookie']>();
  const res = { clearCookie } as unknown as Response;
  return { sut, res, clearCookie };
}

const signedIn: Partial<SessionData> = {
  user: { id: 'u-1', name: 'alice' },
  owner: 'u-1',
  createdAt: 1,
  lastSeen: 1,
};

describe(SessionService.name, () => {
  describe('end', () => {
    it('deletes the session and clears the cookie when nothing is kept across sign-out', async () => {
      const { sut, res, clearCookie } = setup();
      const { req, store } = fakeRequest({ ...signedIn, [PREFERENCE]: 'dark' });

      await sut.end(req, res);

      expect(store.size).toBe(0);
      expect(clearCookie).toHaveBeenCalledWith('sid', expect.objectContaining({ path: '/' }));
    });

    it('deletes the session when a kept key is registered but not set', async () => {
      const { sut, res, clearCookie } = setup();
      sut.keepAcrossSignOut(PREFERENCE);
      const { req, store } = fakeRequest(signedIn);

      await sut.end(req, res);

      expect(store.size).toBe(0);
      expect(clearCookie).toHaveBeenCalled();
    });

    it('starts a new anonymous session holding only the kept keys, saved under a new id', async () => {
      const { sut, res, clearCookie } = setup();
      sut.keepAcrossSignOut(PREFERENCE);
      const { req, store } = fakeRequest({ ...signedIn, [PREFERENCE]: 'dark' });

      await sut.end(req, res);

      expect(store.has('old-id')).toBe(false);
      const saved = store.get('new-id');
      expect(saved).toMatchObject({ [PREFERENCE]: 'dark' });
      expect(saved?.createdAt).toEqual(expect.any(Number));
      expect(saved).not.toHaveProperty('user');
      expect(saved).not.toHaveProperty('owner');
      expect(clearCookie).not.toHaveBeenCalled();
    });
  });

  describe('establish', () => {
    const CART = 'cart' as keyof SessionData;

    it('issues a new id and carries the data of an anonymous session over', async () => {
      const { sut } = setup();
      const { req, store } = fakeRequest({
        [PREFERENCE]: 'dark',
        [CART]: { a: 1 },
      } as Partial<SessionData>);
      await sut.establish(
        req,
        { user: { id: 'u-1', name: 'alice' } },
        { remember: false, owner: 'u-1' },
      );
      expect(store.has('old-id')).toBe(false);
      expect(store.get('new-id')).toMatchObject({
        [PREFERENCE]: 'dark',
        [CART]: { a: 1 },
        owner: 'u-1',
      });
    });

    it('keeps only device preferences when another user signs in on this browser', async () => {
      const { sut } = setup();
      sut.keepAcrossSignOut(PREFERENCE);
      const { req, store } = fakeRequest({
        ...signedIn,
        [PREFERENCE]: 'dark',
        [CART]: { a: 1 },
      } as Partial<SessionData>);
      await sut.establish(
        req,
        { user: { id: 'u-2', name: 'bob' } },
        { remember: false, owner: 'u-2' },
      );
      const saved = store.get('new-id') as Record<string, unknown>;
      expect(saved).toMatchObject({
        [PREFERENCE]: 'dark',
        owner: 'u-2',
        user: { id: 'u-2', name: 'bob' },
      });
      expect(saved[CART]).toBeUndefined();
    });
  });

  describe('keep', () => {
    it('starts the clock of an anonymous session once', () => {
      const { sut } = setup();
      const { req } = fakeRequest({});

      sut.keep(req);
      const createdAt = req.session.createdAt;
      sut.keep(req);

      expect(createdAt).toEqual(expect.any(Number));
      expect(req.session.createdAt).toBe(createdAt);
    });
  });
});
