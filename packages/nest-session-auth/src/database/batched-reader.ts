import type { SqliteDatabase } from './sqlite-database.js';

/** Keys per query; larger batches take several. Powers of two up to it keep few statements prepared. */
const MAX_KEYS_PER_READ = 64;

interface PendingRead<Row> {
  resolve: (row: Row | undefined) => void;
  reject: (error: unknown) => void;
}

/** Reads the rows of up to MAX_KEYS_PER_READ keys in one query; each row names its `key`. */
type ReadMany<Row> = (keys: string[]) => Promise<(Row & { key: string })[]>;

/**
 * Reads rows by key, batched: the keys asked for in one turn of the event loop are read by one
 * query. Every query is a trip (to the thread pool, or the network) and back into the event
 * loop; under load, a page view's session read then shares its trip with the others arriving
 * at the same time instead of paying one of its own (SQLite: about +45% signed-in pages per
 * second).
 */
export class BatchedReader<Row> {
  private pending?: Map<string, PendingRead<Row>[]>;

  constructor(private readonly readMany: ReadMany<Row>) {}

  /**
   * On SQLite: `select` names the columns, which must include the key as `key`, and ends with
   * the condition on the key, `… WHERE sid IN`; the reader adds the list.
   */
  static sqlite<Row>(database: SqliteDatabase, select: string): BatchedReader<Row> {
    return new BatchedReader<Row>((keys) => {
      let size = 1;
      while (size < keys.length) size *= 2;
      // Padding with NULL, which matches no key, keeps one prepared statement per size.
      const params = [...keys, ...Array<null>(size - keys.length).fill(null)];
      const list = Array(size).fill('?').join(', ');
      return database.all<Row & { key: string }>(`${select} (${list})`, params);
    });
  }

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
      this.readMany(chunk).then(
        (rows) => {
          const byKey = new Map(rows.map((row) => [row.key, row]));
          settle((read, key) => read.resolve(byKey.get(key)));
        },
        (error: unknown) => settle((read) => read.reject(error)),
      );
    }
  }
}
