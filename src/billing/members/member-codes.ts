import { lockName } from '../../issuer/identity/locks.ts';
import { CLIENT_ADDRESS_MAX_CHARS } from '../../issuer/identity/otp-store.ts';
import { checkSendAllowed, issueCode, OTP_RATE_WINDOW_MS, verifyAttempt, type OtpRecord, type SendRefusalReason, type VerifyResult } from '../../issuer/otp.ts';
import type { Tx } from '../../platform/db/database.ts';
import type { RandomSource } from '../../platform/ids.ts';

/**
 * Members' one-time sign-in codes in `billing_member_codes`: the issuer's
 * OTP rules (`issuer/otp.ts`: six uniform digits, HMAC under a server
 * pepper, 5 minutes, 5 wrong codes lock, single use, resend cooldown and
 * hourly caps per address and per client) applied to e-mail addresses, the
 * same way `issuer/identity/otp-store.ts` applies them to phones. Decisions
 * are serialized per address and per client with `lockName`, address
 * first. Only the latest code of an address works.
 *
 * The code is bound (hashed with) `billing-member:<email>`, so it can serve
 * no other address and no issuer purpose.
 */

// Rate-limit look-backs never need more rows than the largest limit allows in a window.
const SEND_HISTORY_MAX_ROWS = 100;
const PURPOSE = 'sign_in';

export type IssueMemberCodeResult =
  | { readonly ok: true; readonly code: string; readonly expiresAtMs: number }
  | { readonly ok: false; readonly reason: SendRefusalReason; readonly retryAfterMs: number };

function subjectOf(email: string): string {
  return `billing-member:${email}`;
}

const emailLock = (email: string) => `billing:member-code-email:${email}`;
const addressLock = (address: string) => `billing:member-code-address:${address}`;

/** Checks the sending limits, voids the address's waiting code and stores a new one. The caller sends the letter (or not). */
export async function issueMemberCode(
  tx: Tx,
  deps: { readonly random: RandomSource; readonly otpPepper: Buffer },
  input: { readonly email: string; readonly clientAddress: string; readonly nowMs: number },
): Promise<IssueMemberCodeResult> {
  const { email, nowMs } = input;
  const address = clientAddressKey(input.clientAddress);
  await lockName(tx, emailLock(email));
  await lockName(tx, addressLock(address));
  const since = nowMs - OTP_RATE_WINDOW_MS;
  const decision = checkSendAllowed({
    nowMs,
    phoneSentAtMs: await sentTimes(tx, 'email', email, since),
    addressSentAtMs: await sentTimes(tx, 'client_address', address, since),
  });
  if (!decision.ok) return { ok: false, reason: decision.reason, retryAfterMs: decision.retryAfterMs };

  await tx.run('UPDATE billing_member_codes SET voided_at_ms = ? WHERE email = ? AND voided_at_ms IS NULL AND consumed_at_ms IS NULL', [nowMs, email]);
  const { code, record } = issueCode(deps.random, deps.otpPepper, subjectOf(email), PURPOSE, nowMs);
  await tx.run(
    `INSERT INTO billing_member_codes (email, code_hash, client_address, sent_at_ms, expires_at_ms, attempts) VALUES (?, ?, ?, ?, ?, 0)`,
    [email, record.codeHash, address, record.sentAtMs, record.expiresAtMs],
  );
  return { ok: true, code, expiresAtMs: record.expiresAtMs };
}

/**
 * Checks a submitted code against the address's latest code and stores the
 * attempt (the caller must commit even on a refusal, so a wrong code
 * counts). Undefined when no code is waiting.
 */
export async function verifyMemberCode(
  tx: Tx,
  pepper: Buffer,
  input: { readonly email: string; readonly code: string; readonly nowMs: number },
): Promise<VerifyResult | undefined> {
  await lockName(tx, emailLock(input.email));
  const row = await tx.get<{
    id: number | string;
    code_hash: string;
    sent_at_ms: number | string;
    expires_at_ms: number | string;
    attempts: number | string;
    locked_at_ms: number | string | null;
    consumed_at_ms: number | string | null;
  }>(
    `SELECT id, code_hash, sent_at_ms, expires_at_ms, attempts, locked_at_ms, consumed_at_ms FROM billing_member_codes
     WHERE email = ? AND voided_at_ms IS NULL ORDER BY id DESC LIMIT 1`,
    [input.email],
  );
  if (row === undefined) return undefined;
  const record: OtpRecord = {
    phone: subjectOf(input.email),
    purpose: PURPOSE,
    codeHash: row.code_hash,
    sentAtMs: Number(row.sent_at_ms),
    expiresAtMs: Number(row.expires_at_ms),
    attempts: Number(row.attempts),
    ...(row.locked_at_ms === null ? {} : { lockedAtMs: Number(row.locked_at_ms) }),
    ...(row.consumed_at_ms === null ? {} : { consumedAtMs: Number(row.consumed_at_ms) }),
  };
  const result = verifyAttempt(record, input.code, input.nowMs, pepper);
  if (result.record !== record) {
    await tx.run('UPDATE billing_member_codes SET attempts = ?, locked_at_ms = ?, consumed_at_ms = ? WHERE id = ?', [
      result.record.attempts,
      result.record.lockedAtMs ?? null,
      result.record.consumedAtMs ?? null,
      Number(row.id),
    ]);
  }
  return result;
}

function clientAddressKey(address: string): string {
  const trimmed = typeof address === 'string' ? address.trim() : '';
  return (trimmed === '' ? 'unknown' : trimmed).slice(0, CLIENT_ADDRESS_MAX_CHARS);
}

async function sentTimes(tx: Tx, column: 'email' | 'client_address', value: string, sinceMs: number): Promise<number[]> {
  const rows = await tx.all<{ sent_at_ms: number | string }>(
    `SELECT sent_at_ms FROM billing_member_codes WHERE ${column} = ? AND sent_at_ms > ? ORDER BY sent_at_ms DESC LIMIT ?`,
    [value, sinceMs, SEND_HISTORY_MAX_ROWS],
  );
  return rows.map((row) => Number(row.sent_at_ms));
}
