import type { AuthorizationResponse, FollowUpResponse } from '../../network/messages.ts';
import type { Charge } from './charge-store.ts';
import type { NetworkStep, PaymentIntent } from './payment-intent-store.ts';

/**
 * Captures and incremental authorizations follow the confirm's three steps
 * (record intent → call the network outside any transaction → record the
 * outcome), with the intent as the lock:
 *
 * 1. Under the intent's row lock it moves to `processing` with a `step`: what
 *    is being asked and the message id it goes out with. A concurrent request
 *    finds the step: the same request again resends the same message (a
 *    repeat at the network and the issuer: answered, never acted on twice); a
 *    different one is refused (400) until the step ends.
 * 2. The message goes out.
 * 3. Under the lock again, the answer is recorded — only by the request whose
 *   step is still the intent's — and the money booked is the amount the
 *   issuer's answer says moved, never the amount asked for.
 *
 * A 91/96 answer leaves the step in place: the merchant may retry the same
 * request, and the resume sweep resends it, so a capture the issuer took
 * after a time-out is booked instead of being replaced by another amount.
 *
 * Message ids derive from the charge, the intent's step counter and the
 * amounts, so a new step never reuses an id (not even after a refusal) and
 * no two different requests can ever share one.
 */

/** The id of the clearing for capture attempt `attempt` of `amountMinor`. */
export function captureMessageId(charge: Charge, attempt: number, amountMinor: number): string {
  return `${charge.networkId}.capture.${attempt}.${amountMinor}`;
}

/** The id of the incremental authorization `attempt` raising the total from `fromMinor` to `toMinor`. */
export function incrementMessageId(charge: Charge, attempt: number, fromMinor: number, toMinor: number): string {
  return `${charge.networkId}.increment.${attempt}.${fromMinor}-${toMinor}`;
}

/** The intent with a new step started (status `processing`, the step counter advanced). */
export function startStep(pi: PaymentIntent, charge: Charge, kind: NetworkStep['kind'], amountMinor: number, nowMs: number): PaymentIntent {
  const attempt = pi.networkSteps + 1;
  const messageId = kind === 'capture' ? captureMessageId(charge, attempt, amountMinor) : incrementMessageId(charge, attempt, pi.amountMinor, amountMinor);
  return { ...pi, status: 'processing', networkSteps: attempt, step: { kind, amountMinor, messageId, startedAtMs: nowMs } };
}

/** The intent with its step ended, back in `requires_capture` unless the caller says otherwise. */
export function endStep(pi: PaymentIntent): PaymentIntent {
  return { ...pi, status: 'requires_capture', step: null };
}

/** Whether the network could not get an answer now (retry the same message later). */
export function isRetryLater(answer: FollowUpResponse | AuthorizationResponse): boolean {
  return answer.responseCode === '91' || answer.responseCode === '96';
}

/**
 * What a clearing answer means for the intent: `cleared` (book the
 * answer's amount), `retry` (keep the step), `gone` (12: the issuer has no
 * authorization left to capture — expired, reversed, closed or unknown — so
 * the intent is canceled), or `refused` (any other refusal, e.g. 13 an
 * amount over what is held: nothing moved, the intent can be captured again).
 */
export function clearingOutcome(answer: FollowUpResponse): 'cleared' | 'retry' | 'gone' | 'refused' {
  if (answer.responseCode === '00') return 'cleared';
  if (isRetryLater(answer)) return 'retry';
  if (answer.responseCode === '12') return 'gone';
  return 'refused';
}
