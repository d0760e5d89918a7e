import { BROWSER_MAP, parse } from 'bowser';

const UNKNOWN_BROWSER = 'Unknown browser';

/** Browsers Bowser recognises; for anything else it falls back to the user agent's first word. */
const KNOWN_BROWSERS = new Set<string>(Object.values(BROWSER_MAP));

/**
 * A browser in words for a "your sessions" list, from its user agent. Only names Bowser knows
 * are shown, so a made-up user agent cannot put its own words in the list.
 * @example describeDevice(req.get('user-agent')) // 'Firefox on Linux'
 */
export function describeDevice(userAgent: string | undefined): string {
  // Bowser throws on an empty string; a user agent is whatever the client chose to send.
  if (!userAgent?.trim()) return UNKNOWN_BROWSER;
  const { browser, os } = parse(userAgent);
  const name = browser.name && KNOWN_BROWSERS.has(browser.name) ? browser.name : UNKNOWN_BROWSER;
  return os.name ? `${name} on ${os.name}` : name;
}
