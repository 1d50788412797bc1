import { systemClock, type Clock } from '../../platform/clock.ts';

/**
 * The story's clock: the system's time, which the story may move forward
 * instead of sleeping — "one minute later" — where the real system would
 * make a person wait (the issuer sends a phone at most one SMS a minute).
 * It never goes back within a run, so every party sees time as it would.
 *
 * The skips are not saved: a second run in the same data directory starts
 * at the system's time again, which is harmless — nothing a story writes
 * depends on another run's timestamps (new phone numbers, a new
 * organization, a new card each run).
 */
export class StoryClock implements Clock {
  #skippedMs = 0;
  #lastMs = 0;

  /** `base` is the time the story starts from and runs along with: the system's, or a test's. */
  constructor(private readonly base: Clock = systemClock) {}

  nowMs(): number {
    // Monotonic even if the system clock steps back (NTP): parties compare timestamps.
    this.#lastMs = Math.max(this.#lastMs, this.base.nowMs() + this.#skippedMs);
    return this.#lastMs;
  }

  /** Moves time forward by `ms` without waiting. */
  skip(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`the story's clock only skips forward by whole milliseconds, got ${ms}`);
    this.#skippedMs += ms;
  }

  /** How far ahead of the system's time this clock runs. */
  get skippedMs(): number {
    return this.#skippedMs;
  }
}
