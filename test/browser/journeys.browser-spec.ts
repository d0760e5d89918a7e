import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ServerScope, type ServerProcess } from '../utils/server-process.js';
import { Browser, browserSuite, startServer } from './support/chromium.js';
import { heading, register, signIn, signOut, theme, useTheme } from './support/pages.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'staple horse battery';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Where keyboard focus is, and whether it can be seen. */
interface Focus {
  tag: string;
  id: string;
  text: string;
  /** `:focus-visible` with an outline of some width: what sighted keyboard users rely on. */
  visible: boolean;
  onScreen: boolean;
}

const FOCUS = `(() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: (el.textContent || '').trim(),
    visible: el.matches(':focus-visible') && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    onScreen: box.width > 1 && box.height > 1,
  };
})()`;

/**
 * Presses Tab until `wanted` has focus, checking at every stop that focus can be seen.
 * Throws after 30 presses rather than looping.
 */
async function tabTo(page: Page, wanted: (focus: Focus) => boolean, what: string): Promise<void> {
  const stops: string[] = [];
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    const focus = (await page.evaluate(FOCUS)) as Focus;
    stops.push(`${focus.tag}#${focus.id} "${focus.text}"`);
    if (focus.tag !== 'body' && !(focus.visible && focus.onScreen)) {
      throw new Error(`focus cannot be seen on ${stops.at(-1)}: ${JSON.stringify(focus)}`);
    }
    if (wanted(focus)) return;
  }
  throw new Error(`Tab never reached ${what}; it went: ${stops.join(' → ')}`);
}

const field = (id: string) => (focus: Focus) => focus.tag === 'input' && focus.id === id;
const button = (text: string) => (focus: Focus) => focus.tag === 'button' && focus.text === text;

describe.runIf(browserSuite())('people using the site in Chromium', () => {
  const scope = new ServerScope();
  let server: ServerProcess;
  /** Two browsers, each with its own profile: two devices. Launched once, emptied before each test. */
  let first: Browser;
  let second: Browser;

  beforeAll(async () => {
    server = await startServer(scope);
    [first, second] = await Promise.all([Browser.launch(server.url), Browser.launch(server.url)]);
  });
  beforeEach(async () => {
    await Promise.all([first.reset(), second.reset()]);
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await scope.cleanup();
  });

  it('registers, switches to the dark theme, fills the cart and signs out', async () => {
    const { page } = first;
    await page.goto('/');
    expect(page.url()).toBe(`${server.url}/login`);

    await register(page, 'Grace Hopper', PASSWORD);
    expect(await heading(page)).toBe('Hello, Grace Hopper');
    await useTheme(page, 'dark');
    expect(page.url()).toBe(`${server.url}/`);

    await page.getByRole('link', { name: 'Cart' }).click();
    for (const item of ['Compiler manual', 'Nanosecond wire']) {
      await page.getByLabel('Add an item').fill(item);
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.waitForURL('/cart');
    }
    const items = page.locator('.cart-item-name');
    expect(await items.allTextContents()).toEqual(['Compiler manual', 'Nanosecond wire']);
    await page.getByRole('button', { name: 'Remove Compiler manual' }).click();
    await page.waitForURL('/cart');
    expect(await items.allTextContents()).toEqual(['Nanosecond wire']);
    expect(await theme(page)).toBe('dark');

    await signOut(page);
    expect(await theme(page)).toBe('dark');
    await page.goto('/cart');
    expect(page.url()).toBe(`${server.url}/login?next=%2Fcart`);
  });

  it('signs in for this browser session only, or remembered with a lasting cookie', async () => {
    const browser = first;
    const { page } = browser;
    await register(page, 'Katherine Johnson', PASSWORD);
    await signOut(page);

    await page.getByLabel('Name', { exact: true }).fill('Katherine Johnson');
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    expect(await page.getByRole('alert').textContent()).toBe('Wrong name or password.');

    await signIn(page, 'Katherine Johnson', PASSWORD);
    expect(await browser.sessionCookie()).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
      expires: -1,
    });
    await signOut(page);

    await signIn(page, 'Katherine Johnson', PASSWORD, { remember: true });
    expect(await heading(page)).toBe('Hello, Katherine Johnson');
    const remembered = await browser.sessionCookie();
    expect(remembered!.expires * 1000 - Date.now()).toBeGreaterThan(29 * DAY_MS);
  });

  it('ends the session of another device from the sessions page, which is then signed out', async () => {
    const [laptop, phone] = [first, second];
    await register(laptop.page, 'Margaret Hamilton', PASSWORD);
    await signIn(phone.page, 'Margaret Hamilton', PASSWORD);

    await phone.page.getByRole('link', { name: 'Sessions' }).click();
    const sessions = phone.page.locator('.session-item');
    expect(await sessions.count()).toBe(2);
    expect(await sessions.first().textContent()).toContain('This device');
    await phone.page.getByRole('button', { name: /^End session/ }).click();
    await phone.page.waitForURL('/sessions?revoked=1');
    expect(await phone.page.getByRole('status').textContent()).toBe('Session ended.');
    expect(await sessions.count()).toBe(1);

    await laptop.page.reload();
    expect(laptop.page.url()).toBe(`${server.url}/login`);
    await phone.page.goto('/');
    expect(await heading(phone.page)).toBe('Hello, Margaret Hamilton');
  });

  it('changes the password: other devices are signed out, and only the new password works', async () => {
    const [desk, tablet] = [first, second];
    await register(desk.page, 'Hedy Lamarr', PASSWORD);
    await signIn(tablet.page, 'Hedy Lamarr', PASSWORD);

    const { page } = desk;
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    expect(await page.getByRole('alert').textContent()).toBe('Your current password is wrong.');

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL('/account?changed=1');
    expect(await page.getByRole('status').textContent()).toContain('Password changed.');

    await tablet.page.reload();
    expect(tablet.page.url()).toBe(`${server.url}/login`);
    await signOut(page);
    await page.getByLabel('Name', { exact: true }).fill('Hedy Lamarr');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    expect(await page.getByRole('alert').textContent()).toBe('Wrong name or password.');
    await signIn(page, 'Hedy Lamarr', NEW_PASSWORD);
    expect(await heading(page)).toBe('Hello, Hedy Lamarr');
  });

  it('works with the keyboard alone: register, home, theme switch, sign out', async () => {
    const { page } = first;
    await page.goto('/register');

    await tabTo(page, (focus) => focus.text === 'Skip to main content', 'the skip link');
    await page.keyboard.press('Enter');
    await tabTo(page, field('name'), 'the name field');
    await page.keyboard.type('Alan Turing');
    await tabTo(page, field('password'), 'the password field');
    await page.keyboard.type(PASSWORD);
    await tabTo(page, button('Create account'), 'the submit button');
    await page.keyboard.press('Enter');
    await page.waitForURL('/');
    expect(await heading(page)).toBe('Hello, Alan Turing');

    await tabTo(page, button('Dark theme'), 'the theme switch');
    await page.keyboard.press('Space');
    await page.waitForSelector('html[data-theme="dark"]');
    expect(page.url()).toBe(`${server.url}/`);

    await tabTo(page, button('Sign out'), 'the sign-out button');
    await page.keyboard.press('Enter');
    await page.waitForURL('/login');
    expect(await theme(page)).toBe('dark');
    expect(await page.getByRole('navigation').textContent()).toContain('Sign in');
  });
});
