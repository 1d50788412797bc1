import type { Database, Tx } from '../../platform/db/database.ts';

/**
 * Group commit for the authorization engine, after the ledger's
 * (src/ledger/group-commit.ts): messages that arrive while a batch commits
 * queue up; the next transaction takes all of them (up to a bound); each
 * keeps its own answer; if a shared transaction fails, each of its
 * messages is run again alone, so one cannot fail another.
 *
 * One difference: a batch starts on `setImmediate`, not at once. better-
 * sqlite3 answers synchronously, so back-to-back batches would otherwise
 * run as one unbroken chain of microtasks and starve the event loop —
 * timers (the network's time-outs) and sockets would wait for the queue to
 * run dry. Yielding once per batch lets them run, and lets every message
 * that arrived meanwhile join the batch.
 */
export class Batcher<I, O> {
  readonly #queue: Array<{ input: I; resolve: (out: O) => void; reject: (error: unknown) => void }> = [];
  #inFlight = 0;
  #scheduled = false;

  constructor(
    private readonly db: Database,
    private readonly apply: (tx: Tx, inputs: readonly I[]) => Promise<O[]>,
    private readonly options: { readonly maxInFlight: number; readonly maxPerCommit: number },
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.options.maxInFlight || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#inFlight < this.options.maxInFlight && this.#queue.length > 0) {
      const group = this.#queue.splice(0, this.options.maxPerCommit);
      this.#inFlight += 1;
      void this.#commit(group).finally(() => {
        this.#inFlight -= 1;
        this.#schedule();
      });
    }
  }

  async #commit(group: ReadonlyArray<{ input: I; resolve: (out: O) => void; reject: (error: unknown) => void }>): Promise<void> {
    try {
      const outputs = await this.db.transaction((tx) => this.apply(tx, group.map((g) => g.input)));
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
