export interface StatementBatcherOptions {
  /** Batches running at once (each holds one pool connection while it runs). */
  concurrency: number;
  /** Most items in one batch. */
  maxBatch: number;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for one hot statement: the items of concurrent callers go to PostgreSQL together,
 * one statement for all the calls that arrived while the running batches were busy. With a free
 * slot a call goes at once, alone (no added latency when the service is quiet); under load,
 * batches form by themselves, and parsing, planning, the commit and the round trip are paid once
 * per batch instead of once per call (for the invoice claim: about 270 µs of PostgreSQL CPU per
 * row alone, 120 in fives, 65 in tens). `runBatch` answers one result per item, in order; when it
 * fails, every caller of that batch gets its error.
 */
export class StatementBatcher<Item, Result> {
  private readonly waiting: Waiting<Item, Result>[] = [];
  private running = 0;

  constructor(
    private readonly runBatch: (items: Item[]) => Promise<Result[]>,
    private readonly options: StatementBatcherOptions,
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.running < this.options.concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.running++;
      this.runBatch(batch.map((w) => w.item))
        .then(
          (results) => batch.forEach((w, i) => w.resolve(results[i])),
          (error: unknown) => batch.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          this.running--;
          this.drain();
        });
    }
  }
}
