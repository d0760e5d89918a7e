import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './utils/create-test-app.js';
import { register, signIn } from './utils/forms.js';

const INVISIBLE_MESSAGE =
  'Names cannot contain control characters or invisible characters such as zero-width spaces or direction marks.';

// Each pair gets its own app: the fullwidth and the ASCII-case pairs share a key, and one
// app's registrations stay far below the per-address limit.
describe.each([
  ['sharp s', 'straße', 'STRASSE'],
  ['NFD and NFC', 'Jose\u0301', 'Jos\u00e9'],
  ['the fi ligature', '\ufb01le', 'file'],
  ['fullwidth letters', '\uff41\uff44\uff41', 'ada'],
  ['the Kelvin sign', '\u212Aate', 'kate'],
  ['ASCII case', 'Ada', 'ADA'],
])('names that differ only by %s', (_, first, lookAlike) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it(`registers ${JSON.stringify(first)}, refuses ${JSON.stringify(lookAlike)} with 409, and signs the look-alike in to the account`, async () => {
    expect((await register(t.agent(), first)).status).toBe(303);

    const taken = await register(t.agent(), lookAlike, 'another password');
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('That name is taken');
    expect(taken.text).toContain('action="/register"');

    const browser = t.agent();
    const signedIn = await signIn(browser, lookAlike);
    expect(signedIn.status).toBe(303);
    expect((await browser.get('/api/me')).body).toEqual({ name: first.normalize('NFC') });
  });
});

describe('names with invisible or direction characters', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it.each([
    ['zero-width space', '\u200B'],
    ['zero-width non-joiner', '\u200C'],
    ['zero-width joiner', '\u200D'],
    ['word joiner', '\u2060'],
    ['BOM', '\uFEFF'],
    ['right-to-left override', '\u202E'],
    ['left-to-right isolate', '\u2066'],
    ['left-to-right mark', '\u200E'],
    ['line separator', '\u2028'],
    ['paragraph separator', '\u2029'],
    ['soft hyphen', '\u00AD'],
  ])('refuses to register a name with a %s inside with 400 and the form', async (_, character) => {
    const res = await register(t.agent(), `ada${character}lovelace`);

    expect(res.status).toBe(400);
    expect(res.text).toContain('action="/register"');
    expect(res.text).toContain(INVISIBLE_MESSAGE);
  });

  it('refuses to sign in as a registered name with a zero-width space added', async () => {
    expect((await register(t.agent(), 'grace')).status).toBe(303);

    const res = await signIn(t.agent(), 'gr\u200Bace');

    expect(res.status).toBe(400);
    expect(res.text).toContain('action="/login"');
  });
});
