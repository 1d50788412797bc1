import { getReferral, type Cardholder } from '../identity/cardholders.ts';
import type { KycVerification } from '../identity/kyc.ts';
import { cardholderRejection, kycRejectionEntry, type KycRejectionReason } from '../identity/kyc-reasons.ts';
import type { VerifyCodeResult } from '../identity/sign-in.ts';
import type { InboxMessage } from '../identity/sms-provider.ts';

/** The identity API's JSON objects, from the identity services' records (shapes in identity-schemas.ts). */

const iso = (ms: number) => new Date(ms).toISOString();

/** The cardholder, with the invite code it signed up with (read from `sql`). */
export async function cardholderJson(sql: Parameters<typeof getReferral>[0], cardholder: Cardholder) {
  const referral = await getReferral(sql, cardholder.id);
  return {
    id: cardholder.id,
    object: 'cardholder' as const,
    phone: cardholder.phoneE164,
    kyc_status: cardholder.kycStatus,
    kyc_reason: cardholder.kycReason === null ? null : kycRejectionEntry(cardholder.kycReason).cardholderCode,
    invite_code: cardholder.inviteCode,
    opening_fee_waived: cardholder.openingFeeWaived,
    referral: referral === undefined ? null : { invite_code: referral.inviteCode, created_at: iso(referral.createdAtMs) },
    created_at: iso(cardholder.createdAtMs),
  };
}

/**
 * What the cardholder is told about a rejection: the reason's code as they may
 * see it, what went wrong and what to do, in both languages. Never the
 * operator's note, and never a screening match by name (kyc-reasons.ts).
 */
function rejectionJson(reason: KycRejectionReason | null, legacyText: string | null) {
  if (reason === null) return { reason: null, reason_text: null, next_step: null, can_resubmit: null };
  const told = cardholderRejection(reason, legacyText);
  return { reason: told.code, reason_text: told.explanation, next_step: told.nextStep, can_resubmit: told.canResubmit };
}

/** A verification as its cardholder sees it. */
export function verificationJson(verification: KycVerification) {
  return {
    id: verification.id,
    object: 'kyc_verification' as const,
    status: verification.status,
    ...rejectionJson(verification.reason, verification.legacyReasonText),
    qr_payload: verification.qrPayload,
    created_at: iso(verification.createdAtMs),
    completed_at: verification.completedAtMs === null ? null : iso(verification.completedAtMs),
  };
}

/** GET /kyc: the cardholder's status and, when rejected, why (from their latest verification, which the status follows). */
export function kycStatusJson(cardholder: Cardholder, latest: KycVerification | undefined) {
  const rejected = cardholder.kycStatus === 'rejected';
  const fromLatest = rejected && latest?.status === 'rejected';
  return {
    status: cardholder.kycStatus,
    ...rejectionJson(fromLatest ? latest.reason : rejected ? cardholder.kycReason : null, fromLatest ? latest.legacyReasonText : null),
    verification: latest === undefined ? null : verificationJson(latest),
  };
}

/** A verification as an operator's action answers it: the reason as decided, and the internal note. */
export function operatorVerificationJson(verification: KycVerification) {
  return {
    id: verification.id,
    object: 'kyc_verification' as const,
    status: verification.status,
    reason: verification.reason,
    internal_note: verification.internalNote,
    legacy_reason_text: verification.legacyReasonText,
    qr_payload: verification.qrPayload,
    created_at: iso(verification.createdAtMs),
    completed_at: verification.completedAtMs === null ? null : iso(verification.completedAtMs),
  };
}

/** The answer to a sign-in code request: to which phone, until when, and when another may be sent. */
export function signInCodeJson(result: { readonly phoneE164: string; readonly expiresAtMs: number; readonly resendAfterMs: number }) {
  return { phone: result.phoneE164, expires_at: iso(result.expiresAtMs), resend_after: iso(result.resendAfterMs) };
}

/** A successful sign-in: the session token (the answer is never saved, as it holds it) and the cardholder. */
export async function signInJson(sql: Parameters<typeof getReferral>[0], signedIn: Extract<VerifyCodeResult, { ok: true }>) {
  return {
    token: signedIn.session.token,
    expires_at: iso(signedIn.session.expiresAtMs),
    signed_up: signedIn.signedUp,
    cardholder: await cardholderJson(sql, signedIn.cardholder),
  };
}

export function sandboxSmsJson(message: InboxMessage) {
  return { id: message.id, phone: message.phone, body: message.body, created_at: iso(message.createdAtMs) };
}
