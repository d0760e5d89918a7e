import type { Page } from 'playwright-core';

/** What people do on the site, by what they see: labels, button names, headings. */

export async function register(page: Page, name: string, password: string): Promise<void> {
  await page.goto('/register');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('/');
}

export async function signIn(
  page: Page,
  name: string,
  password: string,
  { remember = false } = {},
): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(password);
  if (remember) await page.getByLabel('Keep me signed in on this device').check();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL('/');
}

/** The sign-out button in the page header, present on every page while signed in. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('/login');
}

export const theme = (page: Page) => page.locator('html').getAttribute('data-theme');

/** Uses the header's theme switch until the page is in `wanted`; returns to the same page. */
export async function useTheme(page: Page, wanted: 'light' | 'dark'): Promise<void> {
  if ((await theme(page)) === wanted) return;
  const label = wanted === 'dark' ? 'Dark theme' : 'Light theme';
  await page.getByRole('button', { name: label }).click();
  await page.waitForSelector(`html[data-theme="${wanted}"]`);
}

export const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();
