import type { RandomSource } from '../platform/ids.ts';
import {
  checkSendAllowed as checkSends,
  hashCode as hashBoundCode,
  issueCode as issueBoundCode,
  verifyAttempt as verifyBoundCode,
  type OtpState,
  type SendDecision as SendLimitDecision,
  type VerifyResult,
} from '../platform/identity/one-time-codes.ts';
import { sendRefusalMessage } from '../platform/identity/otp-messages.ts';

/**
 * The issuer's one-time codes, sent by SMS: the platform's rules
 * (platform/identity/one-time-codes.ts: six digits, 5 minutes, 5 wrong codes
 * lock, single use, send limits) bound to a phone — or a phone and a card,
 * for a reveal — and one of the issuer's purposes, with send refusals worded
 * for a phone. A sign-in code cannot reveal a card, nor serve another phone.
 */

export const OTP_PURPOSES = ['sign_in', 'reveal_card', 'authenticate_payment'] as const;
export type OtpPurpose = (typeof OTP_PURPOSES)[number];

export interface OtpRecord extends OtpState {
  /** What the code is bound to: the E.164 phone number it was sent to (for a reveal, with the card). */
  readonly phone: string;
  readonly purpose: OtpPurpose;
}

/** HMAC-SHA256(pepper, "otp:v1" NUL phone NUL purpose NUL code), hex; refuses a purpose the issuer has no use for. */
export function hashCode(pepper: Buffer, phone: string, purpose: OtpPurpose, code: string): string {
  if (!OTP_PURPOSES.includes(purpose)) throw new TypeError(`unknown one-time-code purpose ${JSON.stringify(purpose)}`);
  return hashBoundCode(pepper, phone, purpose, code);
}

/** A fresh code and the record to store for it; send `code`, keep only `record`. */
export function issueCode(random: RandomSource, pepper: Buffer, phone: string, purpose: OtpPurpose, nowMs: number): { code: string; record: OtpRecord } {
  const { code, record } = issueBoundCode(random, (c) => hashCode(pepper, phone, purpose, c), nowMs);
  return { code, record: { phone, purpose, ...record } };
}

export function verifyAttempt(record: OtpRecord, submittedCode: string, nowMs: number, pepper: Buffer): VerifyResult<OtpRecord> {
  return verifyBoundCode(record, submittedCode, nowMs, (code) => hashCode(pepper, record.phone, record.purpose, code));
}

export type SendRefusalReason = 'resend_cooldown' | 'phone_rate_limit' | 'address_rate_limit';

export type SendRefusal = { readonly ok: false; readonly code: 'rate_limited'; readonly reason: SendRefusalReason; readonly retryAfterMs: number; readonly message: string };
export type SendDecision = { readonly ok: true } | SendRefusal;

/** The platform's send limits, over the times codes were sent to this phone and from this client address. */
export function checkSendAllowed(input: { readonly nowMs: number; readonly phoneSentAtMs: readonly number[]; readonly addressSentAtMs: readonly number[] }): SendDecision {
  const decision = checkSends({ nowMs: input.nowMs, recipientSentAtMs: input.phoneSentAtMs, addressSentAtMs: input.addressSentAtMs });
  return decision.ok ? decision : phoneSendRefusal(decision);
}

/** A refused send, told to someone who asked for a code by SMS. */
export function phoneSendRefusal(refusal: Extract<SendLimitDecision, { ok: false }>): SendRefusal {
  const { reason, retryAfterMs } = refusal;
  return {
    ok: false,
    code: 'rate_limited',
    reason: reason === 'recipient_rate_limit' ? 'phone_rate_limit' : reason,
    retryAfterMs,
    message: sendRefusalMessage(reason, retryAfterMs, 'phone number'),
  };
}
