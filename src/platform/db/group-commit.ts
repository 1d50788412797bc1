import type { Database, Tx } from './database.ts';

/**
 * Group commit for ledger writes made on the database rather than inside a
 * caller's transaction. While one shared transaction is committing, the
 * requests that arrive queue up; the next transaction takes all of them
 * (up to a bound) and commits them together. Each request keeps its own
 * outcomes and its own linked chains: coalescing changes how many fsyncs the
 * disk does, never what a request means. It is what lets many concurrent
 * single-transfer callers (authorizations) go faster than one commit each.
 *
 * If a shared transaction fails (a database error, not an outcome), every
 * request in it is re-run alone, so one request can never fail another.
 *
 * `yieldBeforeBatch`: start each batch on `setImmediate` instead of at once.
 * better-sqlite3 answers synchronously, so back-to-back batches of a busy
 * queue would otherwise run as one unbroken chain of microtasks and starve
 * the event loop (timers such as the network's time-outs, sockets);
 * yielding once per batch lets them run and lets what arrived meanwhile join.
 */
export class GroupCommit<I, O> {
  readonly #queue: Array<{ input: I; size: number; resolve: (out: O) => void; reject: (error: unknown) => void }> = [];
  #inFlight = 0;
  #scheduled = false;

  constructor(
    private readonly db: Database,
    private readonly apply: (tx: Tx, inputs: readonly I[]) => Promise<O[]>,
    private readonly options: {
      readonly maxInFlight: number;
      readonly maxEventsPerCommit: number;
      readonly sizeOf: (input: I) => number;
      readonly yieldBeforeBatch?: boolean;
    },
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ input, size: this.options.sizeOf(input), resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (!this.options.yieldBeforeBatch) {
      this.#drain();
      return;
    }
    if (this.#scheduled || this.#inFlight >= this.options.maxInFlight || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#inFlight < this.options.maxInFlight && this.#queue.length > 0) {
      const group = [this.#queue.shift()!];
      let events = group[0]!.size;
      while (this.#queue.length > 0 && events + this.#queue[0]!.size <= this.options.maxEventsPerCommit) {
        const next = this.#queue.shift()!;
        events += next.size;
        group.push(next);
      }
      this.#inFlight += 1;
      void this.#commit(group).finally(() => {
        this.#inFlight -= 1;
        this.#schedule();
      });
    }
  }

  /** Work waiting behind the batch being made durable: another batch, or callers queued for the next. */
  readonly #moreQueued = (): boolean => this.#queue.length > 0 || this.#inFlight > 1;

  async #commit(group: ReadonlyArray<{ input: I; resolve: (out: O) => void; reject: (error: unknown) => void }>): Promise<void> {
    try {
      const outputs = await this.db.transaction((tx) => this.apply(tx, group.map((g) => g.input)), { moreQueued: this.#moreQueued });
      group.forEach((g, i) => g.resolve(outputs[i]!));
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      for (const g of group) {
        try {
          const [output] = await this.db.transaction((tx) => this.apply(tx, [g.input]));
          g.resolve(output!);
        } catch (alone) {
          g.reject(alone);
        }
      }
    }
  }
}
