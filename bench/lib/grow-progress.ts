/** Progress of one phase of the generator, on standard error at most every two seconds: done, rate, time left. */
export class Progress {
  readonly #startedAt = performance.now();
  #done = 0;
  #lastLogAt = 0;

  constructor(
    readonly phase: string,
    readonly total: number,
    readonly log: (line: string) => void,
  ) {}

  add(count: number): void {
    this.#done += count;
    const now = performance.now();
    if (now - this.#lastLogAt < 2_000 && this.#done < this.total) return;
    this.#lastLogAt = now;
    const perS = this.#done / Math.max(0.001, (now - this.#startedAt) / 1000);
    const leftS = perS > 0 ? (this.total - this.#done) / perS : 0;
    this.log(`${this.phase}: ${this.#done.toLocaleString('en')} of ${this.total.toLocaleString('en')} (${Math.round(perS).toLocaleString('en')}/s, ~${Math.ceil(leftS)} s left)`);
  }

  /** Seconds since the phase began, and its rate. */
  finish(): { seconds: number; per_s: number } {
    const seconds = (performance.now() - this.#startedAt) / 1000;
    return { seconds: Math.round(seconds * 10) / 10, per_s: Math.round(this.#done / Math.max(0.001, seconds)) };
  }
}

/** Runs `work(0) … work(count - 1)`, at most `parallel` at a time, in order of start. */
export async function inParallel(count: number, parallel: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(parallel, count)) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}
