import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/**
 * scrypt with N=2^14, r=8, p=5: one of OWASP's equivalent scrypt settings (as strong as
 * N=2^17, p=1) but with 16 MiB per hash instead of 128 MiB, so four hashes at once on the
 * libuv pool stay far below the server's memory budget. About 50-100 ms per hash here.
 * Parameters are stored with each hash, so they can be raised later without breaking old ones.
 */
const PARAMS = { logN: 14, r: 8, p: 5 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function derive(
  password: string,
  salt: Buffer,
  logN: number,
  r: number,
  p: number,
): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** Slow, salted password hashes (`scrypt$logN$r$p$salt$key`, base64url). */
@Injectable()
export class PasswordHasher {
  /** A hash of nothing, verified against when a name is unknown so timing does not reveal it. */
  private readonly decoy = this.hash(randomBytes(16).toString('hex'));

  async hash(password: string): Promise<string> {
    const { logN, r, p } = PARAMS;
    const salt = randomBytes(SALT_LENGTH);
    const key = await derive(password, salt, logN, r, p);
    return ['scrypt', logN, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /** Constant-time check; `undefined` stands for an unknown account and always fails. */
  async verify(password: string, stored: string | undefined): Promise<boolean> {
    const encoded = stored ?? (await this.decoy);
    const [scheme, logN, r, p, salt, key] = encoded.split('$');
    if (scheme !== 'scrypt' || !salt || !key) return false;
    const expected = Buffer.from(key, 'base64url');
    // A damaged hash (bad cost parameters) is a failed sign-in, not a crash.
    const actual = await derive(
      password,
      Buffer.from(salt, 'base64url'),
      Number(logN),
      Number(r),
      Number(p),
    ).catch(() => Buffer.alloc(0));
    return (
      stored !== undefined && actual.length === expected.length && timingSafeEqual(actual, expected)
    );
  }
}
