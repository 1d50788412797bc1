import type { Tx } from '../../platform/db/database.ts';
import { hashCode, type SendDecision, type VerifyResult } from '../../platform/identity/one-time-codes.ts';
import { OtpStore } from '../../platform/identity/otp-store.ts';
import type { RandomSource } from '../../platform/ids.ts';

/**
 * Members' one-time sign-in codes in `billing_member_codes`, kept by the
 * platform's OTP store (six uniform digits, HMAC under billing's own pepper,
 * 5 minutes, 5 wrong codes lock, single use, resend cooldown and hourly caps
 * per address and per client). Decisions are serialized per address and per
 * client, address first. Only the latest code of an address works.
 *
 * The code is bound (hashed with) `billing-member:<email>`, so it can serve
 * no other address and no other module's purpose.
 */

const PURPOSE = 'sign_in';

const codes = new OtpStore({
  table: 'billing_member_codes',
  recipientColumn: 'email',
  recipientLock: (email) => `billing:member-code-email:${email}`,
  addressLock: (address) => `billing:member-code-address:${address}`,
});

export type IssueMemberCodeResult = { readonly ok: true; readonly code: string; readonly expiresAtMs: number } | Extract<SendDecision, { ok: false }>;

const hashFor = (pepper: Buffer, email: string) => (code: string) => hashCode(pepper, `billing-member:${email}`, PURPOSE, code);

/** Checks the sending limits, voids the address's waiting code and stores a new one. The caller sends the letter (or not). */
export async function issueMemberCode(
  tx: Tx,
  deps: { readonly random: RandomSource; readonly otpPepper: Buffer },
  input: { readonly email: string; readonly clientAddress: string; readonly nowMs: number },
): Promise<IssueMemberCodeResult> {
  const { email, clientAddress, nowMs } = input;
  const issued = await codes.issue(tx, deps.random, { recipient: email, clientAddress, nowMs, hash: hashFor(deps.otpPepper, email) });
  if (!issued.ok) return issued;
  return { ok: true, code: issued.code, expiresAtMs: issued.record.expiresAtMs };
}

/**
 * Checks a submitted code against the address's latest code and stores the
 * attempt (the caller must commit even on a refusal, so a wrong code
 * counts). Undefined when no code is waiting.
 */
export function verifyMemberCode(
  tx: Tx,
  pepper: Buffer,
  input: { readonly email: string; readonly code: string; readonly nowMs: number },
): Promise<VerifyResult | undefined> {
  return codes.verify(tx, { recipient: input.email, code: input.code, nowMs: input.nowMs, hash: hashFor(pepper, input.email) });
}
