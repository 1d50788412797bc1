import { RetryableConflict } from './database.ts';

/**
 * The logical transactions sharing one physical SQLite transaction (group
 * commit). SQLite has one writer, so transactions already run one after
 * another; what group commit changes is only *when* they become durable:
 * while others are waiting, a finished transaction leaves the physical one
 * open for the next, and one COMMIT — one fsync — makes the whole group
 * durable. Each logical transaction runs inside a SAVEPOINT, so one that
 * fails is undone alone; none is acknowledged before the COMMIT that holds
 * it, so an acknowledged write is on disk exactly as before.
 */
export class CommitGroup {
  readonly #members: Array<{ resolve: () => void; reject: (error: unknown) => void; moreQueued: (() => boolean) | undefined }> = [];

  get size(): number {
    return this.#members.length;
  }

  /** A promise that settles when the group's COMMIT has (or has not) happened. */
  join(moreQueued?: () => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#members.push({ resolve, reject, moreQueued }));
  }

  /** Whether a member's caller has more work queued behind it (see TransactionOptions.moreQueued). */
  moreQueued(): boolean {
    return this.#members.some((member) => member.moreQueued?.() === true);
  }

  committed(): void {
    for (const member of this.#members) member.resolve();
  }

  /** Committed, but not known to be durable: not retryable (running again would apply it twice). */
  failed(error: Error): void {
    for (const member of this.#members) member.reject(error);
  }

  /**
   * The physical transaction was lost (the COMMIT failed, or SQLite rolled
   * it back after an I/O error): every member's work is gone, and running it
   * again is correct, so members are told to retry.
   */
  lost(cause: unknown): void {
    const error = new RetryableConflict(`the group commit was rolled back: ${cause instanceof Error ? cause.message : String(cause)}`);
    for (const member of this.#members) member.reject(error);
  }
}
