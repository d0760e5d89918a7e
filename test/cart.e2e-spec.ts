import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './utils/create-test-app.js';
import { csrfToken, register, signIn, submitForm } from './utils/forms.js';

const addItem = (browser: request.Agent, item: string) =>
  submitForm(browser, '/cart', '/cart/items', { item });

const removeItem = (browser: request.Agent, index: string) =>
  submitForm(browser, '/cart', `/cart/items/${index}/remove`, {});

/** The item names on the cart page, in order. */
const itemsOn = (html: string) =>
  [...html.matchAll(/<span class="cart-item-name">([^<]*)<\/span>/g)].map((match) => match[1]);

const cartOf = async (browser: request.Agent) => itemsOn((await browser.get('/cart')).text);

describe('the cart', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await register(t.agent(), 'carl');
    await register(t.agent(), 'cleo');
  });
  afterAll(() => t.close());

  async function signedIn(name = 'carl'): Promise<request.Agent> {
    const browser = t.agent();
    expect((await signIn(browser, name)).status).toBe(303);
    return browser;
  }

  it('adds, lists in order, and removes items', async () => {
    const browser = await signedIn();
    const empty = await browser.get('/cart');
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('Your cart is empty.');

    for (const item of ['apples', '  pears  ', 'plums']) {
      const res = await addItem(browser, item);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/cart');
    }
    expect(await cartOf(browser)).toEqual(['apples', 'pears', 'plums']);

    const removed = await removeItem(browser, '1');
    expect(removed.status).toBe(303);
    expect(removed.headers.location).toBe('/cart');
    expect(await cartOf(browser)).toEqual(['apples', 'plums']);
    await removeItem(browser, '0');
    expect(await cartOf(browser)).toEqual(['plums']);
  });

  it('shows the cart link to signed-in users and escapes item names', async () => {
    const browser = await signedIn();
    await addItem(browser, '<b>bold</b>');
    const page = await browser.get('/cart');
    expect(page.text).toContain('href="/cart"');
    expect(page.text).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(page.text).not.toContain('<b>bold</b>');
  });

  it('accepts an item of 100 characters', async () => {
    const browser = await signedIn();
    expect((await addItem(browser, 'x'.repeat(100))).status).toBe(303);
    expect(await cartOf(browser)).toEqual(['x'.repeat(100)]);
  });

  it.each([
    ['an empty item', '', 'Enter an item.'],
    ['only spaces', '   ', 'Enter an item.'],
    ['101 characters', 'y'.repeat(101), 'at most 100 characters'],
    ['a control character', 'a\u0007b', 'control characters'],
    ['a line break inside', 'a\nb', 'control characters'],
  ])('answers 400 with the cart page for %s, adding nothing', async (_label, item, message) => {
    const browser = await signedIn();
    await addItem(browser, 'kept');
    const res = await addItem(browser, item);
    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
    expect(res.text).toContain('action="/cart/items"');
    expect(await cartOf(browser)).toEqual(['kept']);
  });

  it.each([
    ['no item field', {}],
    ['a repeated item field', 'item=a&item=b'],
  ])('answers 400 for %s', async (_label, fields) => {
    const browser = await signedIn();
    const page = await browser.get('/cart');
    const token = encodeURIComponent(csrfToken(page.text));
    const body = typeof fields === 'string' ? `${fields}&_csrf=${token}` : `_csrf=${token}`;
    const res = await browser.post('/cart/items').type('form').send(body);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Enter an item.');
  });

  it.each(['-1', '2', '5', 'abc', '1.5', '1e0', '99999999999999999999'])(
    'answers 400 to removing the item at %j, removing nothing',
    async (index) => {
      const browser = await signedIn();
      await addItem(browser, 'one');
      await addItem(browser, 'two');
      const res = await removeItem(browser, index);
      expect(res.status).toBe(400);
      expect(res.text).toContain('No item at that position.');
      expect(await cartOf(browser)).toEqual(['one', 'two']);
    },
  );

  it('answers 400, not 500, to an index that is not even valid URL encoding', async () => {
    const browser = await signedIn();
    await addItem(browser, 'one');
    expect((await removeItem(browser, '%ZZ')).status).toBe(400);
    expect(await cartOf(browser)).toEqual(['one']);
  });

  it('holds at most 100 items', async () => {
    const browser = await signedIn();
    const token = csrfToken((await browser.get('/cart')).text);
    for (let i = 0; i < 100; i++) {
      const res = await browser
        .post('/cart/items')
        .type('form')
        .send({ item: `n${i}`, _csrf: token });
      expect(res.status).toBe(303);
    }
    const full = await browser
      .post('/cart/items')
      .type('form')
      .send({ item: 'more', _csrf: token });
    expect(full.status).toBe(400);
    expect(full.text).toContain('Your cart is full');
    expect(await cartOf(browser)).toHaveLength(100);
  });

  it('does not hand one user’s cart to the next who signs in on the same browser', async () => {
    const browser = await signedIn('carl');
    await addItem(browser, 'carl’s item');
    expect((await signIn(browser, 'cleo')).status).toBe(303);
    expect(await cartOf(browser)).toEqual([]);
    await addItem(browser, 'cleo’s item');
    expect(await cartOf(browser)).toEqual(['cleo’s item']);
  });

  it('sends signed-out browsers to sign in, and back to the cart afterwards', async () => {
    const browser = t.agent();
    const denied = await browser.get('/cart');
    expect(denied.status).toBe(303);
    expect(denied.headers.location).toBe('/login?next=%2Fcart');

    const post = await submitForm(browser, '/login', '/cart/items', { item: 'sneaky' });
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe('/login');
    const remove = await submitForm(browser, '/login', '/cart/items/0/remove', {});
    expect(remove.status).toBe(303);

    const back = await submitForm(browser, denied.headers.location, '/login', {
      name: 'carl',
      password: 'correct horse',
      next: '/cart',
    });
    expect(back.headers.location).toBe('/cart');
  });

  it('answers JSON callers 401, never a redirect', async () => {
    const res = await t.agent().get('/cart').set('Accept', 'application/json');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401 });
  });

  it('answers 403 to an add without a CSRF token', async () => {
    const browser = await signedIn();
    const res = await browser.post('/cart/items').type('form').send({ item: 'forged' });
    expect(res.status).toBe(403);
    expect(await cartOf(browser)).toEqual([]);
  });
});
