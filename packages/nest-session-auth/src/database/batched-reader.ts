import type { SqliteDatabase } from './sqlite-database.js';

/** Keys per query; larger batches take several. Powers of two up to it keep few statements prepared. */
const MAX_KEYS_PER_READ = 64;

interface PendingRead<Row> {
  resolve: (row: Row | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Reads rows by key, batched: the keys asked for in one turn of the event loop are read by one
 * `SELECT … IN (…)`. Every query is a trip to the thread pool and back into the event loop;
 * under load, a page view's session read then shares its trip with the others arriving at the
 * same time instead of paying one of its own (measured: about +45% signed-in pages per second).
 */
export class BatchedReader<Row> {
  private pending?: Map<string, PendingRead<Row>[]>;

  /**
   * `select` names the columns, which must include the key as `key`, and ends with the
   * condition on the key, `… WHERE sid IN`; the reader adds the list.
   */
  constructor(
    private readonly database: SqliteDatabase,
    private readonly select: string,
  ) {}

  get(key: string): Promise<Row | undefined> {
    return new Promise((resolve, reject) => {
      if (!this.pending) {
        this.pending = new Map();
        // After the poll phase: every request parsed in this turn has asked by then.
        setImmediate(() => this.flush());
      }
      const waiting = this.pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
    });
  }

  private flush(): void {
    const pending = this.pending ?? new Map<string, PendingRead<Row>[]>();
    this.pending = undefined;
    const keys = [...pending.keys()];
    for (let start = 0; start < keys.length; start += MAX_KEYS_PER_READ) {
      const chunk = keys.slice(start, start + MAX_KEYS_PER_READ);
      const settle = (answer: (read: PendingRead<Row>, key: string) => void) => {
        for (const key of chunk) for (const read of pending.get(key) ?? []) answer(read, key);
      };
      this.read(chunk).then(
        (rows) => settle((read, key) => read.resolve(rows.get(key))),
        (error: unknown) => settle((read) => read.reject(error)),
      );
    }
  }

  private async read(keys: string[]): Promise<Map<string, Row>> {
    let size = 1;
    while (size < keys.length) size *= 2;
    // Padding with NULL, which matches no key, keeps one prepared statement per size.
    const params = [...keys, ...Array<null>(size - keys.length).fill(null)];
    const rows = await this.database.all<Row & { key: string }>(
      `${this.select} (${Array(size).fill('?').join(', ')})`,
      params,
    );
    return new Map(rows.map((row) => [row.key, row]));
  }
}
