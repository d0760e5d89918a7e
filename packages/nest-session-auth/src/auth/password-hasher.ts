import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { HttpException, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { Client } from './client.js';

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

/** The waiting line for password hashing is full: try again in a moment (503). */
export class HashingBusyException extends ServiceUnavailableException {
  /** A hash takes well under a second; the line drains within about that. */
  readonly retryAfterSeconds = 1;

  constructor() {
    super('Sign-in is busy right now. Please try again in a moment.');
  }
}

/**
 * The client went away before its turn came, so its hash was never started. Status 499
 * ("client closed request", as nginx logs it): nobody reads the answer, and it is no server error.
 */
export class ClientGoneException extends HttpException {
  constructor() {
    super('The client closed the request before it was served.', 499);
  }
}

/**
 * Runs at most `limit` tasks at once; up to `maxWaiting` others wait, and any more are refused at
 * once with `HashingBusyException`. Tasks may name who asked (`key`): one asker holds at most
 * `maxPerKey` places, running or waiting, and the waiting are served by turns of askers (in
 * arrival order within each), so a newcomer waits behind one task of a flooding client, not all
 * of them. A waiting task whose `signal` has aborted (its client left) is dropped when its turn
 * comes, never started.
 */
export class ConcurrencyLimit {
  private running = 0;
  private waiting = 0;
  /** Waiting tasks by asker; the Map's order is the order of turns. */
  private readonly turns = new Map<string | undefined, (() => void)[]>();
  private readonly held = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly maxWaiting = Infinity,
    private readonly maxPerKey = Infinity,
  ) {}

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting;
  }

  /** True when a task run now (for `key`) would be refused. */
  isFull(key?: string): boolean {
    if (key !== undefined && (this.held.get(key) ?? 0) >= this.maxPerKey) return true;
    return this.running >= this.limit && this.waiting >= this.maxWaiting;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal, key?: string): Promise<T> {
    if (this.isFull(key)) throw new HashingBusyException();
    this.hold(key, 1);
    try {
      if (this.running < this.limit) this.running++;
      else await this.wait(key);
      try {
        if (signal?.aborted) throw new ClientGoneException();
        return await task();
      } finally {
        if (!this.startNext()) this.running--;
      }
    } finally {
      this.hold(key, -1);
    }
  }

  private wait(key: string | undefined): Promise<void> {
    this.waiting++;
    return new Promise<void>((resolve) => {
      const line = this.turns.get(key);
      if (line) line.push(resolve);
      else this.turns.set(key, [resolve]);
    });
  }

  /** Hands the slot to the first asker in turn, which then goes to the back. */
  private startNext(): boolean {
    const first = this.turns.entries().next();
    if (first.done) return false;
    const [key, line] = first.value;
    this.turns.delete(key);
    const start = line.shift()!;
    if (line.length > 0) this.turns.set(key, line);
    this.waiting--;
    start();
    return true;
  }

  private hold(key: string | undefined, change: number): void {
    if (key === undefined) return;
    const count = (this.held.get(key) ?? 0) + change;
    if (count === 0) this.held.delete(key);
    else this.held.set(key, count);
  }
}

/**
 * Hashes at once: one per core but the event loop's, and never every libuv thread. More gains
 * no throughput but holds 16 MiB more per hash; a hash on every core would starve the event
 * loop (pages, refusals) during a sign-in flood, and on all four threads the session store's
 * and the file system's work would wait behind them.
 */
function hashConcurrency(): number {
  const threads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism() - 1, threads - 1));
}

/**
 * Requests that may wait for a hash, per hashing slot. A hash takes 50-100 ms here, so a full
 * line clears in well under a second and a flood is refused (503) rather than queued for minutes.
 */
export const WAITING_PER_SLOT = 8;

/**
 * The share of the line's places (running and waiting) one client address may hold: room for a
 * burst of `MAX_FAILURES` guesses, and as much again for everyone else.
 */
const SHARE_PER_CLIENT = 1 / 2;

/**
 * Slow, salted password hashes (`scrypt$logN$r$p$salt$key`, base64url), at most one per core at
 * a time with a bounded waiting line, of which one client address holds at most half.
 * `client`: who asks (see `clientOf`); its signal aborts when it leaves.
 */
@Injectable()
export class PasswordHasher {
  private readonly slots: ConcurrencyLimit;
  /** A hash of nothing, verified against when a name is unknown so timing does not reveal it. */
  private readonly decoy: Promise<string>;

  constructor() {
    const concurrency = hashConcurrency();
    const places = concurrency * (1 + WAITING_PER_SLOT);
    this.slots = new ConcurrencyLimit(
      concurrency,
      concurrency * WAITING_PER_SLOT,
      Math.max(2, Math.ceil(places * SHARE_PER_CLIENT)),
    );
    this.decoy = this.hash(randomBytes(16).toString('hex'));
  }

  /** Requests waiting for a hash right now. */
  get queued(): number {
    return this.slots.queued;
  }

  /**
   * Throws `HashingBusyException` when a hash asked for now would be refused, so a request can
   * be turned away before it costs any other work (store round trips) during a flood.
   */
  assertNotBusy(client?: Client): void {
    if (this.slots.isFull(client?.ip)) throw new HashingBusyException();
  }

  async hash(password: string, client?: Client): Promise<string> {
    const { logN, r, p } = PARAMS;
    const salt = randomBytes(SALT_LENGTH);
    const key = await this.slots.run(
      () => derive(password, salt, logN, r, p),
      client?.signal,
      client?.ip,
    );
    return ['scrypt', logN, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /** Constant-time check; `undefined` stands for an unknown account and always fails. */
  async verify(password: string, stored: string | undefined, client?: Client): Promise<boolean> {
    const encoded = stored ?? (await this.decoy);
    const [scheme, logN, r, p, salt, key] = encoded.split('$');
    if (scheme !== 'scrypt' || !salt || !key) return false;
    const expected = Buffer.from(key, 'base64url');
    const actual = await this.slots.run(
      // A damaged hash (bad cost parameters) is a failed sign-in, not a crash.
      () =>
        derive(password, Buffer.from(salt, 'base64url'), Number(logN), Number(r), Number(p)).catch(
          () => Buffer.alloc(0),
        ),
      client?.signal,
      client?.ip,
    );
    return (
      stored !== undefined && actual.length === expected.length && timingSafeEqual(actual, expected)
    );
  }
}
