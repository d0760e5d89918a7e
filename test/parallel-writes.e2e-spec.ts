import { rmSync } from 'node:fs';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_STORE, type ManagedSessionStore } from 'nest-session-auth';
import { createTestApp, tempDataDir, type TestApp } from './utils/create-test-app.js';
import { csrfToken, cookiePair } from './utils/forms.js';

/** A signed-in browser, reduced to what it sends: its cookies and the CSRF token of its pages. */
interface Browser {
  cookie: string;
  token: string;
}

const itemsOn = (html: string) =>
  [...html.matchAll(/<span class="cart-item-name">([^<]*)<\/span>/g)].map((match) => match[1]);

const themeOn = (html: string) => /<html[^>]* data-theme="([^"]*)"/.exec(html)?.[1];

/** Boots an app and makes it listen, so parallel requests share one server, as in production. */
async function listening(env: Record<string, string>, dataDir?: string) {
  const t = await createTestApp(env, dataDir);
  await t.app.listen(0, '127.0.0.1');
  return { t, url: await t.app.getUrl() };
}

/** Registers through `url`, then loads the cart once to get a token bound to the new session. */
async function signedIn(url: string, name: string): Promise<Browser> {
  const form = await request(url).get('/register');
  const registered = await request(url)
    .post('/register')
    .set('Cookie', cookiePair(form, 'csrf')!)
    .type('form')
    .send({ name, password: 'correct horse', _csrf: csrfToken(form.text) });
  expect(registered.status).toBe(303);
  const sid = cookiePair(registered, 'sid')!;
  const page = await request(url).get('/cart').set('Cookie', sid);
  expect(page.status).toBe(200);
  return { cookie: `${sid}; ${cookiePair(page, 'csrf')!}`, token: csrfToken(page.text) };
}

const post = (url: string, browser: Browser, path: string, fields: Record<string, string> = {}) =>
  request(url)
    .post(path)
    .set('Cookie', browser.cookie)
    .type('form')
    .send({ ...fields, _csrf: browser.token });

const cartPage = (url: string, browser: Browser) =>
  request(url).get('/cart').set('Cookie', browser.cookie);

/** Counts saves that found the session changed since it was loaded (and so had to merge). */
function countConflicts(t: TestApp): { count: number } {
  const { backend } = t.app.get<ManagedSessionStore>(SESSION_STORE);
  const update = backend.update.bind(backend);
  const conflicts = { count: 0 };
  backend.update = async (...args) => {
    const written = await update(...args);
    if (!written) conflicts.count++;
    return written;
  };
  return conflicts;
}

/**
 * Delays every session read by `delay.ms`, as a store across a network would, so parallel
 * requests surely all load the session before any of them saves. (The in-memory store answers
 * within one turn of the event loop: without a delay, one request would finish before the
 * next began.)
 */
function slowReads(t: TestApp, ms = 0): { ms: number } {
  const delay = { ms };
  const store = t.app.get<ManagedSessionStore>(SESSION_STORE);
  const get = store.get.bind(store);
  store.get = (sid, callback) =>
    get(sid, (error, data) =>
      delay.ms > 0 ? setTimeout(() => callback(error, data), delay.ms) : callback(error, data),
    );
  return delay;
}

async function addInParallel(urls: string[], browser: Browser, count: number): Promise<string[]> {
  const items = Array.from({ length: count }, (_, i) => `item ${i + 1}`);
  const results = await Promise.all(
    items.map((item, i) => post(urls[i % urls.length], browser, '/cart/items', { item })),
  );
  expect(results.map((res) => res.status)).toEqual(items.map(() => 303));
  return items;
}

describe('parallel requests on one session, SQLite, two instances on one DATA_DIR', () => {
  const dataDir = tempDataDir();
  let a: Awaited<ReturnType<typeof listening>>;
  let b: Awaited<ReturnType<typeof listening>>;
  let conflicts: { count: number }[];
  let delays: { ms: number }[];

  beforeAll(async () => {
    // DATA_DIR given explicitly, so neither instance deletes the directory the other uses.
    a = await listening({ DATA_DIR: dataDir }, dataDir);
    b = await listening({ DATA_DIR: dataDir }, dataDir);
    conflicts = [countConflicts(a.t), countConflicts(b.t)];
    delays = [slowReads(a.t), slowReads(b.t)];
  });
  afterAll(async () => {
    await Promise.all([a?.t.close(), b?.t.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(() => delayReads(0));

  const total = () => conflicts[0].count + conflicts[1].count;
  const delayReads = (ms: number) => delays.forEach((delay) => (delay.ms = ms));

  it('keeps all of 20 parallel cart adds, split across both instances', async () => {
    const browser = await signedIn(a.url, 'parallel-pat');
    const before = total();

    const items = await addInParallel([a.url, b.url], browser, 20);

    for (const url of [a.url, b.url]) {
      const listed = itemsOn((await cartPage(url, browser)).text);
      expect(listed).toHaveLength(20);
      expect(new Set(listed)).toEqual(new Set(items));
    }
    // Overlapping without help: some saves found the session changed and merged.
    expect(total()).toBeGreaterThan(before);
  });

  it('keeps all of 20 parallel cart adds when every request loads before any saves', async () => {
    const browser = await signedIn(a.url, 'parallel-sam');
    const before = total();
    delayReads(50);

    const items = await addInParallel([a.url, b.url], browser, 20);

    const listed = itemsOn((await cartPage(b.url, browser)).text);
    expect(listed).toHaveLength(20);
    expect(new Set(listed)).toEqual(new Set(items));
    expect(total()).toBeGreaterThan(before);
  });

  it('keeps a theme change and a cart add made at the same time', async () => {
    const browser = await signedIn(b.url, 'parallel-quinn');
    const before = total();
    delayReads(20);
    for (const [round, theme] of (['dark', 'light', 'dark'] as const).entries()) {
      const [themed, added] = await Promise.all([
        post(a.url, browser, '/preferences', { theme }),
        post(b.url, browser, '/cart/items', { item: `round ${round}` }),
      ]);
      expect([themed.status, added.status]).toEqual([303, 303]);
      const page = await cartPage(a.url, browser);
      expect(themeOn(page.text)).toBe(theme);
      expect(itemsOn(page.text)).toContain(`round ${round}`);
    }
    expect(itemsOn((await cartPage(b.url, browser)).text)).toEqual([
      'round 0',
      'round 1',
      'round 2',
    ]);
    expect(total()).toBeGreaterThan(before);
  });

  it('keeps a removal and an add made at the same time', async () => {
    const browser = await signedIn(a.url, 'parallel-ria');
    await post(a.url, browser, '/cart/items', { item: 'first' });
    await post(a.url, browser, '/cart/items', { item: 'second' });
    const before = total();
    delayReads(20);

    const [removed, added] = await Promise.all([
      post(b.url, browser, '/cart/items/0/remove'),
      post(a.url, browser, '/cart/items', { item: 'third' }),
    ]);
    expect([removed.status, added.status]).toEqual([303, 303]);
    expect(itemsOn((await cartPage(b.url, browser)).text)).toEqual(['second', 'third']);
    expect(total()).toBeGreaterThan(before);
  });
});

describe('parallel requests on one session, memory store', () => {
  let app: Awaited<ReturnType<typeof listening>>;
  let conflicts: { count: number };

  beforeAll(async () => {
    app = await listening({ SESSION_STORE: 'memory' });
    slowReads(app.t, 5);
    conflicts = countConflicts(app.t);
  });
  afterAll(() => app?.t.close());

  it('keeps all of 20 parallel cart adds', async () => {
    const browser = await signedIn(app.url, 'parallel-mo');

    const items = await addInParallel([app.url], browser, 20);

    const listed = itemsOn((await cartPage(app.url, browser)).text);
    expect(listed).toHaveLength(20);
    expect(new Set(listed)).toEqual(new Set(items));
    expect(conflicts.count).toBeGreaterThan(0);
  });

  it('holds the 100-item cap under parallel adds: a full cart from 95 items and 20 adds, the rest refused with 400', async () => {
    const browser = await signedIn(app.url, 'parallel-cap');
    for (let i = 0; i < 95; i++) {
      expect((await post(app.url, browser, '/cart/items', { item: `old ${i}` })).status).toBe(303);
    }

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(app.url, browser, '/cart/items', { item: `new ${i}` }),
      ),
    );

    const statuses = results.map((res) => res.status).toSorted();
    expect(statuses).toEqual([...Array(5).fill(303), ...Array(15).fill(400)]);
    expect(results.find((res) => res.status === 400)?.text).toContain('Your cart is full');
    expect(itemsOn((await cartPage(app.url, browser)).text)).toHaveLength(100);
  });
});
