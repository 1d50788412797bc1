import type { Tx } from '../../platform/db/database.ts';
import type { OtpState, VerifyResult } from '../../platform/identity/one-time-codes.ts';
import { OtpStore } from '../../platform/identity/otp-store.ts';
import type { RandomSource } from '../../platform/ids.ts';
import { hashCode, phoneSendRefusal, type OtpPurpose, type SendRefusal } from '../otp.ts';

/**
 * The issuer's one-time codes of every purpose (sign-in, card reveal) in
 * `issuer_otp_codes`, kept by the platform's OTP store: decisions are
 * serialized per phone (`issuer:otp-phone:<phone>`) and per client address,
 * and codes of all purposes share a phone's SMS budget.
 *
 * `subject` is what the code's hash is bound to: the phone for sign-in, the
 * phone and a card for a reveal (so a code for one card reveals no other).
 */

const codes = new OtpStore({
  table: 'issuer_otp_codes',
  recipientColumn: 'phone_e164',
  purposeColumn: 'purpose',
  recipientLock: (phoneE164) => `issuer:otp-phone:${phoneE164}`,
  addressLock: (address) => `issuer:otp-address:${address}`,
});

export type IssueOtpResult = { readonly ok: true; readonly code: string; readonly record: OtpState } | SendRefusal;

/** Checks the phone's and the address's sending limits, voids the phone's waiting code of this purpose, and stores a new one. The caller sends the SMS. */
export async function issueOtp(
  tx: Tx,
  deps: { readonly random: RandomSource; readonly otpPepper: Buffer },
  input: { readonly phoneE164: string; readonly subject: string; readonly purpose: OtpPurpose; readonly clientAddress: string; readonly nowMs: number },
): Promise<IssueOtpResult> {
  const issued = await codes.issue(tx, deps.random, {
    recipient: input.phoneE164,
    purpose: input.purpose,
    clientAddress: input.clientAddress,
    nowMs: input.nowMs,
    hash: (code) => hashCode(deps.otpPepper, input.subject, input.purpose, code),
  });
  return issued.ok ? issued : phoneSendRefusal(issued);
}

/**
 * Checks a submitted code against the phone's latest code of `purpose` and
 * stores the attempt (the caller must commit even when it refuses, so a
 * wrong code counts). Undefined when no code is waiting. Takes the phone's
 * lock itself.
 */
export function verifyOtp(
  tx: Tx,
  pepper: Buffer,
  input: { readonly phoneE164: string; readonly subject: string; readonly purpose: OtpPurpose; readonly code: string; readonly nowMs: number },
): Promise<VerifyResult | undefined> {
  return codes.verify(tx, {
    recipient: input.phoneE164,
    purpose: input.purpose,
    code: input.code,
    nowMs: input.nowMs,
    hash: (code) => hashCode(pepper, input.subject, input.purpose, code),
  });
}
