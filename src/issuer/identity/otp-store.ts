import type { Tx } from '../../platform/db/database.ts';
import type { RandomSource } from '../../platform/ids.ts';
import {
  checkSendAllowed,
  issueCode,
  OTP_MAX_ATTEMPTS,
  OTP_RATE_WINDOW_MS,
  verifyAttempt,
  type OtpOutcome,
  type OtpPurpose,
  type OtpRecord,
  type SendDecision,
  type VerifyResult,
} from '../otp.ts';
import { lockName } from './locks.ts';

/**
 * One-time codes in the database, for every purpose (sign-in, card reveal):
 * the rules are otp.ts's; this keeps their state where several processes
 * agree on it and serializes decisions per phone and per client address with
 * `lockName`. Codes of all purposes share a phone's SMS budget (cooldown and
 * hourly caps), since each costs an SMS and each could be used to spam a
 * phone. Only the latest code of a phone and purpose works.
 *
 * `subject` is what the code's hash is bound to: the phone for sign-in, the
 * phone and a card for a reveal (so a code for one card reveals no other).
 */

export const CLIENT_ADDRESS_MAX_CHARS = 100;
// Rate-limit look-backs never need more rows than the largest limit allows in a window.
const SEND_HISTORY_MAX_ROWS = 100;

export type IssueOtpResult = { readonly ok: true; readonly code: string; readonly record: OtpRecord } | Extract<SendDecision, { ok: false }>;

/** Checks the phone's and the address's sending limits, voids the phone's waiting code of this purpose, and stores a new one. The caller sends the SMS. */
export async function issueOtp(
  tx: Tx,
  deps: { readonly random: RandomSource; readonly otpPepper: Buffer },
  input: { readonly phoneE164: string; readonly subject: string; readonly purpose: OtpPurpose; readonly clientAddress: string; readonly nowMs: number },
): Promise<IssueOtpResult> {
  const { phoneE164, purpose, nowMs } = input;
  const address = clientAddressKey(input.clientAddress);
  await lockName(tx, `issuer:otp-phone:${phoneE164}`);
  await lockName(tx, `issuer:otp-address:${address}`);
  const since = nowMs - OTP_RATE_WINDOW_MS;
  const decision = checkSendAllowed({
    nowMs,
    phoneSentAtMs: await sentTimes(tx, 'phone_e164', phoneE164, since),
    addressSentAtMs: await sentTimes(tx, 'client_address', address, since),
  });
  if (!decision.ok) return decision;

  await tx.run(
    'UPDATE issuer_otp_codes SET voided_at_ms = ? WHERE phone_e164 = ? AND purpose = ? AND voided_at_ms IS NULL AND consumed_at_ms IS NULL',
    [nowMs, phoneE164, purpose],
  );
  const { code, record } = issueCode(deps.random, deps.otpPepper, input.subject, purpose, nowMs);
  await tx.run(
    `INSERT INTO issuer_otp_codes (phone_e164, purpose, code_hash, client_address, sent_at_ms, expires_at_ms, attempts)
     VALUES (?, ?, ?, ?, ?, ?, 0)`,
    [phoneE164, purpose, record.codeHash, address, record.sentAtMs, record.expiresAtMs],
  );
  return { ok: true, code, record };
}

/**
 * Checks a submitted code against the phone's latest code of `purpose` and
 * stores the attempt (the caller must commit even when it refuses, so a
 * wrong code counts). Undefined when no code is waiting. Takes the phone's
 * lock itself.
 */
export async function verifyOtp(
  tx: Tx,
  pepper: Buffer,
  input: { readonly phoneE164: string; readonly subject: string; readonly purpose: OtpPurpose; readonly code: string; readonly nowMs: number },
): Promise<VerifyResult | undefined> {
  await lockName(tx, `issuer:otp-phone:${input.phoneE164}`);
  const row = await tx.get<{
    id: number | string;
    code_hash: string;
    sent_at_ms: number | string;
    expires_at_ms: number | string;
    attempts: number | string;
    locked_at_ms: number | string | null;
    consumed_at_ms: number | string | null;
  }>(
    `SELECT id, code_hash, sent_at_ms, expires_at_ms, attempts, locked_at_ms, consumed_at_ms FROM issuer_otp_codes
     WHERE phone_e164 = ? AND purpose = ? AND voided_at_ms IS NULL ORDER BY id DESC LIMIT 1`,
    [input.phoneE164, input.purpose],
  );
  if (row === undefined) return undefined;
  const record: OtpRecord = {
    phone: input.subject,
    purpose: input.purpose,
    codeHash: row.code_hash,
    sentAtMs: Number(row.sent_at_ms),
    expiresAtMs: Number(row.expires_at_ms),
    attempts: Number(row.attempts),
    ...(row.locked_at_ms === null ? {} : { lockedAtMs: Number(row.locked_at_ms) }),
    ...(row.consumed_at_ms === null ? {} : { consumedAtMs: Number(row.consumed_at_ms) }),
  };
  const result = verifyAttempt(record, input.code, input.nowMs, pepper);
  if (result.record !== record) {
    await tx.run('UPDATE issuer_otp_codes SET attempts = ?, locked_at_ms = ?, consumed_at_ms = ? WHERE id = ?', [
      result.record.attempts,
      result.record.lockedAtMs ?? null,
      result.record.consumedAtMs ?? null,
      Number(row.id),
    ]);
  }
  return result;
}

/** What a person reads when a code is refused; `afterUse` finishes the "already used" sentence. */
export function otpRefusalMessage(outcome: Exclude<OtpOutcome, 'ok'>, attemptsRemaining: number, afterUse = ''): string {
  switch (outcome) {
    case 'code_invalid':
      return `The code is not right; ${attemptsRemaining} of ${OTP_MAX_ATTEMPTS} attempts left.`;
    case 'code_expired':
      return 'The code has expired; ask for a new one.';
    case 'code_locked':
      return 'Too many wrong codes; ask for a new one.';
    case 'code_used':
      return `The code was already used; ask for a new one${afterUse}.`;
  }
}

function clientAddressKey(address: string): string {
  const trimmed = typeof address === 'string' ? address.trim() : '';
  return (trimmed === '' ? 'unknown' : trimmed).slice(0, CLIENT_ADDRESS_MAX_CHARS);
}

async function sentTimes(tx: Tx, column: 'phone_e164' | 'client_address', value: string, sinceMs: number): Promise<number[]> {
  const rows = await tx.all<{ sent_at_ms: number | string }>(
    `SELECT sent_at_ms FROM issuer_otp_codes WHERE ${column} = ? AND sent_at_ms > ? ORDER BY sent_at_ms DESC LIMIT ?`,
    [value, sinceMs, SEND_HISTORY_MAX_ROWS],
  );
  return rows.map((row) => Number(row.sent_at_ms));
}
