import type { Tx } from '../../platform/db/database.ts';
import { lockName } from '../../platform/identity/locks.ts';
import { OTP_RESEND_COOLDOWN_MS, OTP_TTL_MS, type OtpOutcome } from '../../platform/identity/one-time-codes.ts';
import { otpRefusalMessage } from '../../platform/identity/otp-messages.ts';
import { maskPhone, normalizePhone } from '../phone.ts';
import type { OtpPurpose, SendRefusalReason } from '../otp.ts';
import { normalizeInviteCode } from '../invite-code.ts';
import { checkInviteCode, createCardholder, findCardholderByPhone, getCardholder, recordReferral, type Cardholder, type InviteRefusal } from './cardholders.ts';
import type { IdentityDeps } from './deps.ts';
import { issueOtp, verifyOtp } from './otp-store.ts';
import { createSession, type NewSession } from './sessions.ts';

/**
 * Sign-in by phone and one-time code (rules in otp.ts, their state in
 * otp-store.ts, shared with card reveals).
 *
 * Both functions run in the caller's transaction and return refusals as
 * values: a wrong code must still commit its attempt count, so the caller
 * commits and then turns the refusal into an error.
 */

const PURPOSE: OtpPurpose = 'sign_in';

export type RequestCodeResult =
  | { readonly ok: true; readonly phoneE164: string; readonly messageId: string; readonly expiresAtMs: number; readonly resendAfterMs: number }
  | { readonly ok: false; readonly code: 'phone_invalid'; readonly message: string }
  | { readonly ok: false; readonly code: 'rate_limited'; readonly reason: SendRefusalReason; readonly retryAfterMs: number; readonly message: string };

export async function requestSignInCode(
  tx: Tx,
  deps: IdentityDeps,
  input: { readonly phone: string; readonly clientAddress: string },
): Promise<RequestCodeResult> {
  const phone = normalizePhone(input.phone, deps.defaultCountry);
  if (!phone.ok) return { ok: false, code: 'phone_invalid', message: phone.message };
  const nowMs = deps.clock.nowMs();
  const issued = await issueOtp(tx, deps, { phoneE164: phone.e164, subject: phone.e164, purpose: PURPOSE, clientAddress: input.clientAddress, nowMs });
  if (!issued.ok) return issued;
  const { code, record } = issued;
  const { messageId } = await deps.sms.send(tx, { phoneE164: phone.e164, body: smsBody(code), nowMs });
  return { ok: true, phoneE164: phone.e164, messageId, expiresAtMs: record.expiresAtMs, resendAfterMs: nowMs + OTP_RESEND_COOLDOWN_MS };
}

export function smsBody(code: string): string {
  const minutes = OTP_TTL_MS / 60_000;
  return `【Cardlane】验证码 ${code}，${minutes} 分钟内有效，请勿告诉他人。Your Cardlane code is ${code}; it expires in ${minutes} minutes. Never share it.`;
}

export type VerifyRefusal =
  | { readonly ok: false; readonly code: 'phone_invalid'; readonly message: string }
  | { readonly ok: false; readonly code: Exclude<OtpOutcome, 'ok'>; readonly attemptsRemaining: number; readonly message: string }
  | { readonly ok: false; readonly code: InviteRefusal; readonly message: string };

export type VerifyCodeResult =
  | { readonly ok: true; readonly cardholder: Cardholder; readonly session: NewSession; readonly signedUp: boolean }
  | VerifyRefusal;

/**
 * Checks the code; on success signs the cardholder in, creating them on
 * first sign-in. An invite code nobody has is refused before the one-time
 * code, so a mistyped invite does not cost the code; for someone already
 * signed up it follows the same rules as applying one later
 * (`applyInviteCode`), checked only once the code has passed (those answers
 * would tell a stranger the phone is a cardholder's).
 */
export async function verifySignInCode(
  tx: Tx,
  deps: IdentityDeps,
  input: { readonly phone: string; readonly code: string; readonly inviteCode?: string | undefined },
): Promise<VerifyCodeResult> {
  const phone = normalizePhone(input.phone, deps.defaultCountry);
  if (!phone.ok) return { ok: false, code: 'phone_invalid', message: phone.message };
  if (input.inviteCode !== undefined && !normalizeInviteCode(input.inviteCode).ok) {
    return { ok: false, code: 'invite_code_invalid', message: 'An invite code is 8 letters and digits, like 7KQ2-M9XD.' };
  }
  const nowMs = deps.clock.nowMs();
  await lockName(tx, `issuer:otp-phone:${phone.e164}`);

  // Before the one-time code, only what the invite code alone decides (unknown codes): a refusal that depends on the
  // phone's account (own code, already referred, card already opened) would tell anyone holding an invite code —
  // every cardholder has one — which phones are cardholders', without a code. Those wait until the code has passed.
  const invite = input.inviteCode === undefined ? undefined : await checkInviteCode(tx, input.inviteCode, undefined);
  if (invite !== undefined && !invite.ok) return { ok: false, code: invite.code, message: inviteMessage(invite.code) };

  const result = await verifyOtp(tx, deps.otpPepper, { phoneE164: phone.e164, subject: phone.e164, purpose: PURPOSE, code: input.code, nowMs });
  if (result === undefined) {
    return { ok: false, code: 'code_invalid', attemptsRemaining: 0, message: `No code is waiting for ${maskPhone(phone.e164)}; ask for a new one.` };
  }
  if (result.outcome !== 'ok') {
    return { ok: false, code: result.outcome, attemptsRemaining: result.attemptsRemaining, message: otpRefusalMessage(result.outcome, result.attemptsRemaining) };
  }

  const existing = await findCardholderByPhone(tx, phone.e164);
  if (invite !== undefined && existing !== undefined) {
    const forAccount = await checkInviteCode(tx, input.inviteCode!, existing);
    if (!forAccount.ok) return { ok: false, code: forAccount.code, message: inviteMessage(forAccount.code) };
  }

  let cardholder = existing ?? (await createCardholder(tx, deps, phone.e164, nowMs));
  if (invite?.ok) {
    await recordReferral(tx, cardholder.id, invite.referrer, invite.code, nowMs);
    cardholder = (await getCardholder(tx, cardholder.id))!;
  }
  const session = await createSession(tx, deps, cardholder.id, nowMs);
  return { ok: true, cardholder, session, signedUp: existing === undefined };
}

function inviteMessage(code: InviteRefusal): string {
  switch (code) {
    case 'invite_code_invalid':
      return 'An invite code is 8 letters and digits, like 7KQ2-M9XD.';
    case 'invite_code_unknown':
      return 'No cardholder has this invite code; check it and try again, or sign up without one.';
    case 'invite_code_own':
      return 'You cannot use your own invite code.';
    case 'invite_code_already_applied':
      return 'An invite code was already applied to this account.';
    case 'invite_code_too_late':
      return 'An invite code can only be applied before the first card is opened.';
  }
}
