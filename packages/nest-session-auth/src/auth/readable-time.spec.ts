import { describe, expect, it } from 'vitest';
import { readableTime } from './readable-time.js';

describe(readableTime.name, () => {
  it('gives UTC text and the ISO value', () => {
    expect(readableTime(Date.UTC(2026, 10, 26, 23, 41, 59))).toEqual({
      iso: '2026-11-26T23:41:59.000Z',
      text: '26 Nov 2026, 23:41 UTC',
    });
  });

  it('pads hours and minutes but not the day', () => {
    expect(readableTime(Date.UTC(2027, 0, 3, 4, 5))?.text).toBe('3 Jan 2027, 04:05 UTC');
  });

  it('gives nothing for a value that is not a time', () => {
    expect(readableTime(Number.NaN)).toBeUndefined();
    expect(readableTime(1e20)).toBeUndefined();
  });
});
