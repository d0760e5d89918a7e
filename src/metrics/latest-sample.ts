/**
 * A value that is costly to read (a count of the whole session store), read at most once per
 * `maxAgeMs` and only when asked for, one read at a time. Callers get the latest value at once
 * while a newer one is read in the background; only the very first read is waited for.
 */
export class LatestSample {
  private value?: number;
  private takenAt = -Infinity;
  private reading?: Promise<void>;

  constructor(
    private readonly read: () => Promise<number>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The latest value read, or undefined while none could be read yet. */
  async current(): Promise<number | undefined> {
    if (!this.reading && this.now() - this.takenAt >= this.maxAgeMs) {
      this.takenAt = this.now();
      this.reading = this.read().then(
        (value) => {
          this.value = value;
        },
        // A failed read keeps the last value; the store's outage shows on /health/ready.
        () => undefined,
      );
      void this.reading.finally(() => (this.reading = undefined));
    }
    if (this.value === undefined) await this.reading;
    return this.value;
  }
}
