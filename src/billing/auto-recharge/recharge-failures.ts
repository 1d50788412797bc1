import { backoffMs, type BackoffPolicy } from '../../platform/jobs/index.ts';
import type { FailureClass } from '../payments/payment-attempts.ts';

/**
 * What a failed recharge does to the next one — pure, so the rules can be
 * property-tested. After akash-network/console#3760 (950 declined attempts a
 * day on one dead card) and Lago PR #6176 (a declined top-up re-fired on
 * every balance refresh):
 *
 * - every failure backs off before the next try: 1 h, doubling, at most a day;
 * - a hard decline (a code that never succeeds on retry, or the merchant's own
 *   rule blocking) pauses at once;
 * - soft declines pause after `DECLINES_BEFORE_PAUSE` in a row;
 * - a processor failure (the issuer or the provider unreachable) is nobody's
 *   card's fault: it backs off but never counts toward the pause.
 *
 * A paused recharge waits for a person: a new default card or the owner
 * turning it on again (both start the counts afresh).
 */

export const RECHARGE_BACKOFF: BackoffPolicy = { baseMs: 60 * 60 * 1000, capMs: 24 * 60 * 60 * 1000 };
export const DECLINES_BEFORE_PAUSE = 3;

export type PauseReason = 'hard_decline' | 'repeated_declines';

export interface FailureCounts {
  /** Soft and hard declines since the last success or resume; processor failures not counted. */
  readonly declinesInARow: number;
  /** Every failure since the last success or resume: the back-off's step. */
  readonly failuresInARow: number;
}

export interface AfterFailure extends FailureCounts {
  /** When the next recharge may be tried; null when paused (no time brings it back). */
  readonly nextAttemptAtMs: number | null;
  readonly pause: PauseReason | null;
}

export const NO_FAILURES: FailureCounts = { declinesInARow: 0, failuresInARow: 0 };

export function afterFailure(counts: FailureCounts, failureClass: FailureClass, nowMs: number): AfterFailure {
  const failuresInARow = counts.failuresInARow + 1;
  const declinesInARow = failureClass === 'processor' ? counts.declinesInARow : counts.declinesInARow + 1;
  const pause: PauseReason | null =
    failureClass === 'hard' ? 'hard_decline' : failureClass === 'soft' && declinesInARow >= DECLINES_BEFORE_PAUSE ? 'repeated_declines' : null;
  return { declinesInARow, failuresInARow, pause, nextAttemptAtMs: pause === null ? nowMs + backoffMs(failuresInARow, RECHARGE_BACKOFF) : null };
}
