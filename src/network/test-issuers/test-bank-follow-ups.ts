import type { FollowUpRequest, IsoResponseCode } from '../messages.ts';

/**
 * What a follow-up does to one of the test bank's authorizations: a pure
 * function from the authorization's amounts and the request to an answer and
 * the new amounts. Of an approved authorization the bank holds
 * `authorized - cleared - released`; a clearing takes from the hold (a final
 * one releases the rest and closes it), a reversal releases (all of it
 * closes it), a refund gives back what was cleared, an incremental
 * authorization raises the hold. Nothing is allowed past what remains:
 * 13 for too much, 12 for a wrong state or an unknown original.
 */

export interface HeldAmounts {
  readonly authorized_minor: number;
  readonly cleared_minor: number;
  readonly released_minor: number;
  readonly refunded_minor: number;
  readonly closed_at_ms: number | null;
}

export interface HeldAuthorization extends HeldAmounts {
  readonly response_code: string;
  readonly purpose: string;
  readonly currency: string;
}

export interface FollowUpEffect {
  readonly code: IsoResponseCode;
  readonly reason: string;
  /** What the message moved: the increase, the amount released, cleared or refunded; 0 when refused. */
  readonly amountMinor: number;
  /** What the message released from the hold (a reversal, or the rest after a final clearing). */
  readonly releasedMinor: number;
  /** The authorization's amounts afterwards; absent when nothing changes. */
  readonly next?: HeldAmounts;
}

const refuse = (code: IsoResponseCode, reason: string): FollowUpEffect => ({ code, reason, amountMinor: 0, releasedMinor: 0 });

export function applyFollowUp(auth: HeldAuthorization | undefined, request: FollowUpRequest, nowMs: number): FollowUpEffect {
  if (!auth) return refuse('12', 'unknown_original');
  if (auth.response_code !== '00') return refuse('12', 'original_declined');
  if (request.amount && request.amount.currency !== auth.currency) return refuse('12', 'currency_mismatch');
  const remaining = auth.authorized_minor - auth.cleared_minor - auth.released_minor;
  const closed = auth.closed_at_ms !== null;

  switch (request.type) {
    case 'incremental_authorization': {
      if (closed) return refuse('12', 'authorization_closed');
      if (auth.purpose !== 'purchase') return refuse('12', 'not_incrementable');
      const authorized = auth.authorized_minor + request.amount.minor;
      if (!Number.isSafeInteger(authorized)) return refuse('13', 'exceeds_amount_limit');
      return { code: '00', reason: 'approved', amountMinor: request.amount.minor, releasedMinor: 0, next: { ...amounts(auth), authorized_minor: authorized } };
    }
    case 'reversal': {
      if (closed) return refuse('12', 'authorization_closed');
      const release = request.amount === null ? remaining : request.amount.minor;
      if (release > remaining) return refuse('13', 'exceeds_remaining');
      const closesIt = release === remaining;
      return {
        code: '00',
        reason: 'reversed',
        amountMinor: release,
        releasedMinor: release,
        next: { ...amounts(auth), released_minor: auth.released_minor + release, closed_at_ms: closesIt ? nowMs : null },
      };
    }
    case 'clearing': {
      if (closed) return refuse('12', 'authorization_closed');
      if (auth.purpose !== 'purchase') return refuse('12', 'not_capturable');
      if (request.amount.minor > remaining) return refuse('13', 'exceeds_remaining');
      const rest = request.final ? remaining - request.amount.minor : 0;
      return {
        code: '00',
        reason: 'cleared',
        amountMinor: request.amount.minor,
        releasedMinor: rest,
        next: {
          ...amounts(auth),
          cleared_minor: auth.cleared_minor + request.amount.minor,
          released_minor: auth.released_minor + rest,
          closed_at_ms: request.final ? nowMs : null,
        },
      };
    }
    case 'refund': {
      if (auth.cleared_minor === 0) return refuse('12', 'nothing_cleared');
      if (request.amount.minor > auth.cleared_minor - auth.refunded_minor) return refuse('13', 'exceeds_refundable');
      return {
        code: '00',
        reason: 'refunded',
        amountMinor: request.amount.minor,
        releasedMinor: 0,
        next: { ...amounts(auth), refunded_minor: auth.refunded_minor + request.amount.minor },
      };
    }
  }
}

function amounts(auth: HeldAmounts): HeldAmounts {
  return {
    authorized_minor: auth.authorized_minor,
    cleared_minor: auth.cleared_minor,
    released_minor: auth.released_minor,
    refunded_minor: auth.refunded_minor,
    closed_at_ms: auth.closed_at_ms,
  };
}
