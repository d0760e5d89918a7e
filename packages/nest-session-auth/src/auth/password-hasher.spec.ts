import { beforeAll, describe, expect, it } from 'vitest';
import {
  ClientGoneException,
  ConcurrencyLimit,
  HashingBusyException,
  PasswordHasher,
} from './password-hasher.js';

describe(PasswordHasher.name, () => {
  const sut = new PasswordHasher();
  let stored: string;

  beforeAll(async () => {
    stored = await sut.hash('correct horse');
  });

  it('encodes scheme, parameters, salt and key as scrypt$14$8$5$salt$key', () => {
    // 16-byte salt and 32-byte key in base64url, unpadded.
    expect(stored).toMatch(/^scrypt\$14\$8\$5\$[\w-]{22}\$[\w-]{43}$/);
  });

  it('verifies the right password', async () => {
    await expect(sut.verify('correct horse', stored)).resolves.toBe(true);
  });

  it('rejects a wrong password', async () => {
    await expect(sut.verify('correct horsE', stored)).resolves.toBe(false);
    await expect(sut.verify('', stored)).resolves.toBe(false);
  });

  it('rejects any password for an unknown account', async () => {
    await expect(sut.verify('correct horse', undefined)).resolves.toBe(false);
  });

  it.each([
    ['not a hash'],
    [''],
    ['bcrypt$14$8$5$c2FsdA$a2V5'],
    ['scrypt$14$8$5$$'],
    ['scrypt$14$8$5$c2FsdA'],
    ['scrypt$abc$8$5$c2FsdA$a2V5'],
    ['scrypt$40$8$5$c2FsdA$a2V5'],
    ['scrypt$$$$c2FsdA$a2V5'],
    ['scrypt$14$0$5$c2FsdA$a2V5'],
  ])('rejects any password against a malformed stored hash %j', async (malformed) => {
    await expect(sut.verify('correct horse', malformed)).resolves.toBe(false);
  });

  it('rejects a stored hash whose key has the wrong length', async () => {
    const [scheme, logN, r, p, salt] = stored.split('$');
    const truncated = [scheme, logN, r, p, salt, 'a2V5'].join('$');

    await expect(sut.verify('correct horse', truncated)).resolves.toBe(false);
  });

  it('salts every hash, so one password hashes differently each time', async () => {
    const again = await sut.hash('correct horse');

    expect(again).not.toBe(stored);
    expect(again.split('$')[4]).not.toBe(stored.split('$')[4]);
    await expect(sut.verify('correct horse', again)).resolves.toBe(true);
  });

  it('treats canonically equivalent Unicode spellings as the same password', async () => {
    const composed = await sut.hash('caf\u00e9 au lait');

    await expect(sut.verify('cafe\u0301 au lait', composed)).resolves.toBe(true);
  });
});

describe(ConcurrencyLimit.name, () => {
  it('runs at most its limit at once, the rest in arrival order, and frees slots on failure', async () => {
    const sut = new ConcurrencyLimit(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const task = (id: number, fail = false) =>
      sut.run(async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        order.push(id);
        if (fail) throw new Error(`task ${id}`);
        return id;
      });
    const results = await Promise.allSettled([task(1, true), task(2), task(3), task(4), task(5)]);
    expect(most).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(results.map((result) => result.status)).toEqual([
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
  });
});

/** A task that runs until released. */
function held() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { task: () => done, release };
}

describe(`${ConcurrencyLimit.name} with a waiting line`, () => {
  it('refuses at once with a 503 when the line is full, and accepts again once it moves', async () => {
    const sut = new ConcurrencyLimit(1, 2);
    const first = held();
    const running = [sut.run(first.task), sut.run(first.task), sut.run(first.task)];
    expect(sut.queued).toBe(2);

    expect(sut.isFull()).toBe(true);
    await expect(sut.run(first.task)).rejects.toBeInstanceOf(HashingBusyException);

    first.release();
    await Promise.all(running);
    expect(sut.queued).toBe(0);
    expect(sut.isFull()).toBe(false);
    await expect(sut.run(() => Promise.resolve('ok'))).resolves.toBe('ok');
  });

  it('lets one client hold only its share of the places, so another still gets in', async () => {
    const sut = new ConcurrencyLimit(1, 8, 3);
    const first = held();
    const flooding = [1, 2, 3].map(() => sut.run(first.task, undefined, '10.0.0.1'));

    expect(sut.isFull('10.0.0.1')).toBe(true);
    await expect(sut.run(first.task, undefined, '10.0.0.1')).rejects.toBeInstanceOf(
      HashingBusyException,
    );
    expect(sut.isFull('10.0.0.2')).toBe(false);
    const other = sut.run(() => Promise.resolve('in'), undefined, '10.0.0.2');

    first.release();
    await Promise.all(flooding);
    await expect(other).resolves.toBe('in');
    expect(sut.isFull('10.0.0.1')).toBe(false);
  });

  it('serves the waiting by turns of clients: a newcomer waits behind one task of a flood', async () => {
    const sut = new ConcurrencyLimit(1, 8, 5);
    const order: string[] = [];
    const first = held();
    const run = (key: string, name: string) =>
      sut.run(async () => void order.push(name), undefined, key);
    const blocking = sut.run(first.task, undefined, 'flood');
    const all = [run('flood', 'f1'), run('flood', 'f2'), run('flood', 'f3'), run('owner', 'o1')];

    first.release();
    await Promise.all([blocking, ...all]);
    expect(order).toEqual(['f1', 'o1', 'f2', 'f3']);
  });

  it('drops a waiting task whose client left, without starting it', async () => {
    const sut = new ConcurrencyLimit(1, 4);
    const first = held();
    const blocking = sut.run(first.task);
    const gone = new AbortController();
    let started = false;
    const dropped = sut.run(async () => {
      started = true;
    }, gone.signal);

    gone.abort();
    first.release();

    await expect(dropped).rejects.toBeInstanceOf(ClientGoneException);
    expect(started).toBe(false);
    await blocking;
    await expect(sut.run(() => Promise.resolve(1))).resolves.toBe(1);
  });
});
