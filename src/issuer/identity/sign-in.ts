import type { Tx } from '../../platform/db/database.ts';
import { maskPhone, normalizePhone } from '../phone.ts';
import {
  checkSendAllowed,
  issueCode,
  OTP_MAX_ATTEMPTS,
  OTP_RATE_WINDOW_MS,
  OTP_RESEND_COOLDOWN_MS,
  OTP_TTL_MS,
  verifyAttempt,
  type OtpOutcome,
  type OtpPurpose,
  type OtpRecord,
  type SendRefusalReason,
} from '../otp.ts';
import { normalizeInviteCode } from '../invite-code.ts';
import { checkInviteCode, createCardholder, findCardholderByPhone, getCardholder, recordReferral, type Cardholder, type InviteRefusal } from './cardholders.ts';
import type { IdentityDeps } from './deps.ts';
import { lockName } from './locks.ts';
import { createSession, type NewSession } from './sessions.ts';

/**
 * Sign-in by phone and one-time code. The rules are otp.ts's; this module
 * keeps their state in the database (so several processes agree on
 * attempts, cooldowns and rate limits) and serializes decisions per phone
 * and per client address with `lockName`.
 *
 * Both functions run in the caller's transaction and return refusals as
 * values: a wrong code must still commit its attempt count, so the caller
 * commits and then turns the refusal into an error.
 */

const PURPOSE: OtpPurpose = 'sign_in';
// Rate-limit look-backs never need more rows than the largest limit allows in a window.
const SEND_HISTORY_MAX_ROWS = 100;
export const CLIENT_ADDRESS_MAX_CHARS = 100;

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
  const address = clientAddressKey(input.clientAddress);
  const nowMs = deps.clock.nowMs();

  await lockName(tx, `issuer:otp-phone:${phone.e164}`);
  await lockName(tx, `issuer:otp-address:${address}`);
  const since = nowMs - OTP_RATE_WINDOW_MS;
  const phoneSentAtMs = await sentTimes(tx, 'phone_e164', phone.e164, since);
  const addressSentAtMs = await sentTimes(tx, 'client_address', address, since);
  const decision = checkSendAllowed({ nowMs, phoneSentAtMs, addressSentAtMs });
  if (!decision.ok) return decision;

  // Only the latest code works: earlier ones still waiting are voided.
  await tx.run(
    'UPDATE issuer_otp_codes SET voided_at_ms = ? WHERE phone_e164 = ? AND purpose = ? AND voided_at_ms IS NULL AND consumed_at_ms IS NULL',
    [nowMs, phone.e164, PURPOSE],
  );
  const { code, record } = issueCode(deps.random, deps.otpPepper, phone.e164, PURPOSE, nowMs);
  await tx.run(
    `INSERT INTO issuer_otp_codes (phone_e164, purpose, code_hash, client_address, sent_at_ms, expires_at_ms, attempts)
     VALUES (?, ?, ?, ?, ?, ?, 0)`,
    [record.phone, record.purpose, record.codeHash, address, record.sentAtMs, record.expiresAtMs],
  );
  const { messageId } = await deps.sms.send(tx, { phoneE164: phone.e164, body: smsBody(code), nowMs });
  return { ok: true, phoneE164: phone.e164, messageId, expiresAtMs: record.expiresAtMs, resendAfterMs: nowMs + OTP_RESEND_COOLDOWN_MS };
}

export function smsBody(code: string): string {
  const minutes = OTP_TTL_MS / 60_000;
  return `【Cardlane】验证码 ${code}，${minutes} 分钟内有效，请勿告诉他人。Your Cardlane code is ${code}; it expires in ${minutes} minutes. Never share it.`;
}

async function sentTimes(tx: Tx, column: 'phone_e164' | 'client_address', value: string, sinceMs: number): Promise<number[]> {
  const rows = await tx.all<{ sent_at_ms: number | string }>(
    `SELECT sent_at_ms FROM issuer_otp_codes WHERE ${column} = ? AND sent_at_ms > ? ORDER BY sent_at_ms DESC LIMIT ?`,
    [value, sinceMs, SEND_HISTORY_MAX_ROWS],
  );
  return rows.map((row) => Number(row.sent_at_ms));
}

function clientAddressKey(address: string): string {
  const trimmed = typeof address === 'string' ? address.trim() : '';
  return (trimmed === '' ? 'unknown' : trimmed).slice(0, CLIENT_ADDRESS_MAX_CHARS);
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
 * first sign-in. An invite code is checked before the one-time code, so a
 * mistyped invite does not cost the code; for someone already signed up it
 * follows the same rules as applying one later (`applyInviteCode`).
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

  const existing = await findCardholderByPhone(tx, phone.e164);
  const invite = input.inviteCode === undefined ? undefined : await checkInviteCode(tx, input.inviteCode, existing);
  if (invite !== undefined && !invite.ok) return { ok: false, code: invite.code, message: inviteMessage(invite.code) };

  const stored = await latestCode(tx, phone.e164);
  if (stored === undefined) {
    return { ok: false, code: 'code_invalid', attemptsRemaining: 0, message: `No code is waiting for ${maskPhone(phone.e164)}; ask for a new one.` };
  }
  const result = verifyAttempt(stored.record, input.code, nowMs, deps.otpPepper);
  if (result.record !== stored.record) await saveCode(tx, stored.id, result.record);
  if (result.outcome !== 'ok') {
    return { ok: false, code: result.outcome, attemptsRemaining: result.attemptsRemaining, message: codeMessage(result.outcome, result.attemptsRemaining) };
  }

  let cardholder = existing ?? (await createCardholder(tx, deps, phone.e164, nowMs));
  if (invite?.ok) {
    await recordReferral(tx, cardholder.id, invite.referrer, invite.code, nowMs);
    cardholder = (await getCardholder(tx, cardholder.id))!;
  }
  const session = await createSession(tx, deps, cardholder.id, nowMs);
  return { ok: true, cardholder, session, signedUp: existing === undefined };
}

interface CodeRow {
  id: number | string;
  phone_e164: string;
  code_hash: string;
  sent_at_ms: number | string;
  expires_at_ms: number | string;
  attempts: number | string;
  locked_at_ms: number | string | null;
  consumed_at_ms: number | string | null;
}

async function latestCode(tx: Tx, phoneE164: string): Promise<{ id: number; record: OtpRecord } | undefined> {
  const row = await tx.get<CodeRow>(
    `SELECT id, phone_e164, code_hash, sent_at_ms, expires_at_ms, attempts, locked_at_ms, consumed_at_ms
     FROM issuer_otp_codes WHERE phone_e164 = ? AND purpose = ? AND voided_at_ms IS NULL
     ORDER BY id DESC LIMIT 1`,
    [phoneE164, PURPOSE],
  );
  if (row === undefined) return undefined;
  const record: OtpRecord = {
    phone: row.phone_e164,
    purpose: PURPOSE,
    codeHash: row.code_hash,
    sentAtMs: Number(row.sent_at_ms),
    expiresAtMs: Number(row.expires_at_ms),
    attempts: Number(row.attempts),
    ...(row.locked_at_ms === null ? {} : { lockedAtMs: Number(row.locked_at_ms) }),
    ...(row.consumed_at_ms === null ? {} : { consumedAtMs: Number(row.consumed_at_ms) }),
  };
  return { id: Number(row.id), record };
}

async function saveCode(tx: Tx, id: number, record: OtpRecord): Promise<void> {
  await tx.run('UPDATE issuer_otp_codes SET attempts = ?, locked_at_ms = ?, consumed_at_ms = ? WHERE id = ?', [
    record.attempts,
    record.lockedAtMs ?? null,
    record.consumedAtMs ?? null,
    id,
  ]);
}

function codeMessage(outcome: Exclude<OtpOutcome, 'ok'>, attemptsRemaining: number): string {
  switch (outcome) {
    case 'code_invalid':
      return `The code is not right; ${attemptsRemaining} of ${OTP_MAX_ATTEMPTS} attempts left.`;
    case 'code_expired':
      return 'The code has expired; ask for a new one.';
    case 'code_locked':
      return 'Too many wrong codes; ask for a new one.';
    case 'code_used':
      return 'The code was already used; ask for a new one.';
  }
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
