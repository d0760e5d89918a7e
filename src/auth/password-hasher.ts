import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Injectable } from '@nestjs/common';

/**
 * scrypt with N=2^14, r=8, p=5: one of OWASP's equivalent scrypt settings (as strong as
 * N=2^17, p=1) but with 16 MiB per hash instead of 128 MiB. About 50-100 ms per hash here.
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

/** Runs at most `limit` tasks at once; the others wait their turn in arrival order. */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/**
 * Hashes at once: one per core, and never every libuv thread. More gains no throughput but
 * holds 16 MiB more per hash, and hashes on all four threads would make the session store's
 * and the file system's work wait behind them.
 */
function hashConcurrency(): number {
  const threads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism(), threads - 1));
}

/** Slow, salted password hashes (`scrypt$logN$r$p$salt$key`, base64url). */
@Injectable()
export class PasswordHasher {
  private readonly slots = new ConcurrencyLimit(hashConcurrency());
  /** A hash of nothing, verified against when a name is unknown so timing does not reveal it. */
  private readonly decoy = this.hash(randomBytes(16).toString('hex'));

  async hash(password: string): Promise<string> {
    const { logN, r, p } = PARAMS;
    const salt = randomBytes(SALT_LENGTH);
    const key = await this.slots.run(() => derive(password, salt, logN, r, p));
    return ['scrypt', logN, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /** Constant-time check; `undefined` stands for an unknown account and always fails. */
  async verify(password: string, stored: string | undefined): Promise<boolean> {
    const encoded = stored ?? (await this.decoy);
    const [scheme, logN, r, p, salt, key] = encoded.split('$');
    if (scheme !== 'scrypt' || !salt || !key) return false;
    const expected = Buffer.from(key, 'base64url');
    // A damaged hash (bad cost parameters) is a failed sign-in, not a crash.
    const actual = await this.slots
      .run(() =>
        derive(password, Buffer.from(salt, 'base64url'), Number(logN), Number(r), Number(p)),
      )
      .catch(() => Buffer.alloc(0));
    return (
      stored !== undefined && actual.length === expected.length && timingSafeEqual(actual, expected)
    );
  }
}
