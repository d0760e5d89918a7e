import { describe, expect, it } from 'vitest';
import { accountNameKey, INVISIBLE_CHARACTERS } from './account-name.js';

describe(accountNameKey.name, () => {
  it.each([
    ['sharp s', 'straße', 'STRASSE'],
    ['capital sharp s', 'STRAẞE', 'strasse'],
    ['capital and small sharp s', 'ẞ', 'ß'],
    ['NFD and NFC', 'Jose\u0301', 'José'],
    ['the fi ligature', 'ﬁle', 'file'],
    ['fullwidth letters', 'ａｄａ', 'ada'],
    ['the Kelvin sign', '\u212Aate', 'kate'],
    ['final and medial sigma', 'οδος', 'ΟΔΟΣ'],
    ['a lone final sigma', 'ς', 'σ'],
    ['ASCII case', 'Ada', 'ADA'],
    ['superscripts and circled letters', 'ⓐda²', 'ADA2'],
  ])('gives %s one key', (_, typed, other) => {
    expect(accountNameKey(typed)).toBe(accountNameKey(other));
  });

  it.each([
    ['fi ligature', 'ﬁ', 'fi'],
    ['sharp s', 'ß', 'ss'],
    ['Kelvin sign', '\u212A', 'k'],
    ['fullwidth A', 'Ａ', 'a'],
    ['NFD é', 'e\u0301', 'é'],
  ])('folds the %s to %j', (_, typed, key) => {
    expect(accountNameKey(typed)).toBe(key);
  });

  it.each([
    ['different letters', 'Ada', 'Adam'],
    ['accented and plain', 'José', 'Jose'],
    ['inner spaces', 'Ada Lovelace', 'AdaLovelace'],
    // Look-alikes across scripts (UTS #39 confusables) are not folded.
    ['Latin and Cyrillic A', 'Ada', '\u0410da'],
  ])('keeps %s apart', (_, one, other) => {
    expect(accountNameKey(one)).not.toBe(accountNameKey(other));
  });

  it('is its own key, so a stored key looks itself up', () => {
    for (const name of ['STRAẞE', 'ﬁle', 'ΟΔΟΣ', 'ａｄａ', '\u212A', 'İstanbul', 'ǰ']) {
      const key = accountNameKey(name);

      expect(accountNameKey(key)).toBe(key);
    }
  });
});

describe('INVISIBLE_CHARACTERS', () => {
  it.each([
    ['NUL', '\u0000'],
    ['escape', '\u001B'],
    ['DEL', '\u007F'],
    ['next line (C1)', '\u0085'],
    ['soft hyphen', '\u00AD'],
    ['zero-width space', '\u200B'],
    ['zero-width non-joiner', '\u200C'],
    ['zero-width joiner', '\u200D'],
    ['left-to-right mark', '\u200E'],
    ['right-to-left override', '\u202E'],
    ['word joiner', '\u2060'],
    ['left-to-right isolate', '\u2066'],
    ['line separator', '\u2028'],
    ['paragraph separator', '\u2029'],
    ['variation selector 16', '\uFE0F'],
    ['BOM', '\uFEFF'],
    ['Arabic letter mark', '\u061C'],
    ['Hangul filler', '\u3164'],
    ['tag character', '\u{E0041}'],
  ])('finds the %s', (_, character) => {
    expect(INVISIBLE_CHARACTERS.test(`ada${character}lovelace`)).toBe(true);
  });

  it.each([
    ['letters and a space', 'Ada Lovelace'],
    ['accents and non-Latin scripts', 'José Ωμέγα 李小龍 عائشة'],
    ['punctuation and digits', "O'Brien-Smith 3rd"],
    ['an emoji', 'ada 🐱'],
  ])('lets %s through', (_, name) => {
    expect(INVISIBLE_CHARACTERS.test(name)).toBe(false);
  });
});
