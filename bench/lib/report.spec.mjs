import { describe, expect, it } from 'vitest';
import { statusCounts } from './report.mjs';

describe('statusCounts', () => {
  it('lists responses by status, most frequent first, with thousands separators', () => {
    expect(statusCounts({ 401: 44, 503: 6224, 429: 1 })).toBe('503×6,224, 401×44, 429×1');
  });

  it('is empty for no responses', () => {
    expect(statusCounts({})).toBe('');
  });
});
