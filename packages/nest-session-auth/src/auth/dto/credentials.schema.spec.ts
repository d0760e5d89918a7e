import { describe, expect, it } from 'vitest';
import { isSameSitePath, loginSchema, registerSchema } from './credentials.schema.js';

const valid = { name: 'alice', password: 'password1' };

describe('loginSchema', () => {
  const sut = loginSchema;

  it('trims the name', () => {
    expect(sut.parse({ ...valid, name: '  alice \n' }).name).toBe('alice');
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['65 characters', 'a'.repeat(65)],
  ])('rejects a name that is %s', (_, name) => {
    const result = sut.safeParse({ ...valid, name });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['name']);
  });

  it('accepts a name of 64 characters, and of 64 once trimmed', () => {
    expect(sut.parse({ ...valid, name: 'a'.repeat(64) }).name).toHaveLength(64);
    expect(sut.parse({ ...valid, name: ` ${'a'.repeat(64)} ` }).name).toHaveLength(64);
  });

  it.each([
    ['\u0000'],
    ['\u001b'],
    ['\u007f'],
    ['\u0085'],
    ['\u0008'],
    ['\u200b'],
    ['\u200d'],
    ['\ufeff'],
    ['\u202e'],
    ['\u2066'],
    ['\u2028'],
    ['\u00ad'],
  ])('rejects a name containing the invisible or control character %j', (character) => {
    const result = sut.safeParse({ ...valid, name: `ali${character}ce` });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe(
      'Names cannot contain control characters or invisible characters such as zero-width spaces or direction marks.',
    );
  });

  it('keeps the name as typed, in NFC, and with its case', () => {
    expect(sut.parse({ ...valid, name: ' Jose\u0301 STRAẞE ' }).name).toBe('José STRAẞE');
  });

  it('counts the length after NFC', () => {
    expect(sut.parse({ ...valid, name: 'e\u0301'.repeat(64) }).name).toBe('é'.repeat(64));
  });

  it('rejects a name that is not a string', () => {
    expect(sut.safeParse({ ...valid, name: ['alice'] }).success).toBe(false);
    expect(sut.safeParse({ password: valid.password }).success).toBe(false);
  });

  it.each([7, 129])('rejects a password of %i characters', (length) => {
    const result = sut.safeParse({ ...valid, password: 'p'.repeat(length) });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['password']);
  });

  it.each([8, 128])('accepts a password of %i characters, untrimmed', (length) => {
    const password = ` ${'p'.repeat(length - 2)} `;

    expect(sut.parse({ ...valid, password }).password).toBe(password);
  });

  it.each([['on'], ['1'], ['true'], ['false'], [['on', 'on']]])(
    'reads remember=%j as remember me',
    (remember) => {
      expect(sut.parse({ ...valid, remember }).remember).toBe(true);
    },
  );

  it('reads an absent or empty remember as not remembered', () => {
    expect(sut.parse(valid).remember).toBe(false);
    expect(sut.parse({ ...valid, remember: '' }).remember).toBe(false);
  });

  it('keeps a same-site next path', () => {
    expect(sut.parse({ ...valid, next: '/cart?x=1' }).next).toBe('/cart?x=1');
  });

  it.each([['//evil.com'], ['https://evil.com'], [['/cart']], [42]])(
    'drops next=%j instead of rejecting the form',
    (next) => {
      expect(sut.parse({ ...valid, next }).next).toBeUndefined();
    },
  );
});

describe('registerSchema', () => {
  it('takes name, password and next, and ignores remember', () => {
    expect(registerSchema.parse({ ...valid, remember: 'on', next: '/a' })).toEqual({
      ...valid,
      next: '/a',
    });
  });
});

describe(isSameSitePath.name, () => {
  it.each([['/'], ['/a?b=1#c'], ['/cart/items'], ['/search?q=a%20b']])(
    'accepts the path %j',
    (path) => {
      expect(isSameSitePath(path)).toBe(true);
    },
  );

  it.each([
    ['//evil.com'],
    ['/\\evil.com'],
    ['http://evil.com'],
    ['https://evil.com/'],
    ['evil.com'],
    ['\t/x'],
    [' /x'],
    ['/x\nSet-Cookie: a=b'],
    ['/x\r\nLocation: //evil.com'],
    ['/x\u200b'],
    ['/\u202e/moc.live'],
    ['/\t/evil.com'],
    ['javascript:alert(1)'],
    [''],
    [`/${'a'.repeat(2048)}`],
  ])('rejects %j', (path) => {
    expect(isSameSitePath(path)).toBe(false);
  });

  it('accepts a percent-encoded CR LF, which stays an encoded path on this host', () => {
    const path = '/%0d%0a';

    expect(isSameSitePath(path)).toBe(true);
    const resolved = new URL(path, 'http://same.invalid');
    expect(resolved.host).toBe('same.invalid');
    expect(resolved.pathname).toBe('/%0d%0a');
  });
});
