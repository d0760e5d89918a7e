import { randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_BYTES = 24;

/** A new random CSRF token: a stored session's (`SessionData.csrfToken`) or an anonymous one. */
export function newCsrfToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * The token under a fresh one-time pad, so the page never shows the same bytes twice (as Django
 * does against BREACH: compressed responses would otherwise leak a constant secret).
 */
export function maskToken(token: string): string {
  const pad = randomBytes(TOKEN_BYTES);
  return Buffer.concat([pad, xor(pad, Buffer.from(token, 'base64url'))]).toString('base64url');
}

/** True when `submitted` is `token` under some pad. */
export function isMaskedToken(submitted: string, token: string): boolean {
  const masked = Buffer.from(submitted, 'base64url');
  if (masked.length !== 2 * TOKEN_BYTES) return false;
  const unmasked = xor(masked.subarray(0, TOKEN_BYTES), masked.subarray(TOKEN_BYTES));
  const expected = Buffer.from(token, 'base64url');
  return expected.length === TOKEN_BYTES && timingSafeEqual(unmasked, expected);
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let index = 0; index < a.length; index++) out[index] = a[index] ^ b[index];
  return out;
}
