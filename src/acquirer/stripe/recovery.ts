import type { Tx } from '../../platform/db/database.ts';
import type { AppError } from '../../platform/errors.ts';

/**
 * What a handler needs to be exactly-once across crashes (idempotency-keys.ts):
 * it records a recovery point in the transaction of its first durable write,
 * and an endpoint's `resume` is given the point an earlier, cut-short attempt
 * with the same Idempotency-Key recorded.
 */
export interface Recovery {
  /** Records what a retry of this request must resume; in the transaction that makes the request's first durable write. */
  record(tx: Tx, point: string): Promise<void>;
}

/** For requests without an Idempotency-Key (and internal callers such as the sweeps): nothing to resume later. */
export const NO_RECOVERY: Recovery = { record: async () => undefined };

const OUTCOME_PENDING = Symbol('cardlane.outcomePending');

/**
 * Marks an error whose request has an outcome not known yet (the network did
 * not answer a capture, a reversal): it is not an answer to save and replay.
 * The key keeps its recovery point and the retry resumes; the client is told
 * to retry (`Stripe-Should-Retry: true`).
 */
export function outcomePending<E extends AppError>(error: E): E {
  Object.defineProperty(error, OUTCOME_PENDING, { value: true });
  return error;
}

export function isOutcomePending(error: unknown): boolean {
  return typeof error === 'object' && error !== null && OUTCOME_PENDING in error;
}
