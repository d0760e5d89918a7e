import { describe, expect, it } from 'vitest';
import { describeDevice } from './describe-device.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME_ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const SAFARI_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

describe(describeDevice.name, () => {
  it.each([
    [FIREFOX_LINUX, 'Firefox on Linux'],
    [CHROME_ANDROID, 'Chrome on Android'],
    [SAFARI_MAC, 'Safari on macOS'],
  ])('names the browser and system of %s', (userAgent, expected) => {
    expect(describeDevice(userAgent)).toBe(expected);
  });

  it.each([[''], ['   '], [undefined], ['curl/8.7.1'], ['node-superagent/3.8.3'], ['\u0000<x>']])(
    'says "Unknown browser" for %j',
    (userAgent) => {
      expect(describeDevice(userAgent)).toBe('Unknown browser');
    },
  );

  it('keeps the system when only the browser is unknown, without echoing made-up names', () => {
    expect(describeDevice('Mozilla/5.0 (X11; Linux x86_64)')).toBe('Unknown browser on Linux');
    expect(describeDevice('YourBank Security/1.0 (Windows NT 10.0)')).toBe(
      'Unknown browser on Windows',
    );
  });
});
