import { describe, expect, it } from 'vitest';
import { mergeSessionData } from './session-merge.js';

describe(mergeSessionData.name, () => {
  it('keeps their write when this request changed nothing', () => {
    expect(mergeSessionData({ a: 1 }, { a: 1 }, { a: 2 })).toEqual({ a: 2 });
  });

  it('keeps a parallel theme change and a parallel cart add', () => {
    const base = { theme: 'light', cart: { x: 'apple' } };
    const mine = { theme: 'light', cart: { x: 'apple', y: 'pear' } };
    const theirs = { theme: 'dark', cart: { x: 'apple' } };
    expect(mergeSessionData(base, mine, theirs)).toEqual({
      theme: 'dark',
      cart: { x: 'apple', y: 'pear' },
    });
  });

  it('merges two adds to one object keyed by id', () => {
    const base = { cart: {} };
    expect(mergeSessionData(base, { cart: { a: 1 } }, { cart: { b: 2 } })).toEqual({
      cart: { a: 1, b: 2 },
    });
  });

  it('merges two requests that each created the same object', () => {
    expect(mergeSessionData({}, { cart: { a: 1 } }, { cart: { b: 2 } })).toEqual({
      cart: { a: 1, b: 2 },
    });
  });

  it('applies a removal made here and keeps an add made there', () => {
    const base = { cart: { a: 1, b: 2 } };
    const mine = { cart: { b: 2 } };
    const theirs = { cart: { a: 1, b: 2, c: 3 } };
    expect(mergeSessionData(base, mine, theirs)).toEqual({ cart: { b: 2, c: 3 } });
  });

  it('removes a top-level key this request removed, keeps one they added', () => {
    expect(mergeSessionData({ a: 1, b: 2 }, { b: 2 }, { a: 1, b: 2, c: 3 })).toEqual({
      b: 2,
      c: 3,
    });
  });

  it('lets this request win when both changed the same scalar or array', () => {
    expect(mergeSessionData({ t: 'a' }, { t: 'b' }, { t: 'c' })).toEqual({ t: 'b' });
    expect(mergeSessionData({ l: [1] }, { l: [1, 2] }, { l: [1, 3] })).toEqual({ l: [1, 2] });
  });
});
