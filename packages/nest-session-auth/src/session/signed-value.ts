import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `payload.mac`, the MAC an HMAC-SHA256 under the first secret. `purpose` is part of what is
 * signed, so a value signed for one cookie is never accepted as another's.
 * @example signValue('visitor', 'eyJ0aGVtZSI6ImRhcmsifQ', options.secrets)
 */
export function signValue(purpose: string, payload: string, secrets: readonly string[]): string {
  return `${payload}.${mac(purpose, payload, secrets[0])}`;
}

/**
 * The payload of a value made by `signValue` when any of the secrets verifies it (rotation),
 * else undefined.
 */
export function verifySignedValue(
  purpose: string,
  value: string,
  secrets: readonly string[],
): string | undefined {
  const dot = value.lastIndexOf('.');
  if (dot < 0) return undefined;
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1));
  const verifies = secrets.some((secret) => {
    const expected = Buffer.from(mac(purpose, payload, secret));
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return verifies ? payload : undefined;
}

function mac(purpose: string, payload: string, secret: string): string {
  return createHmac('sha256', secret).update(`${purpose}\0${payload}`).digest('base64url');
}
