/**
 * Time is passed in, never read directly by domain code (TigerBeetle's state
 * machine takes its timestamp as an argument). A test or a simulation swaps
 * the system clock for a ManualClock and jumps forward to expire a hold or to
 * fire a recharge, and a seeded run replays exactly.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
};

export class ManualClock implements Clock {
  #nowMs: number;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  advanceMs(deltaMs: number): void {
    if (!Number.isSafeInteger(deltaMs) || deltaMs < 0) {
      throw new RangeError(`clock can only move forward by whole milliseconds, got ${deltaMs}`);
    }
    this.#nowMs += deltaMs;
  }

  setMs(nowMs: number): void {
    if (nowMs < this.#nowMs) throw new RangeError('a manual clock never goes backwards');
    this.#nowMs = nowMs;
  }
}
