import type { Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { decryptPan, deriveCvv2 } from '../card-secrets.ts';
import { getCardholder } from '../identity/cardholders.ts';
import { lockName } from '../identity/locks.ts';
import { CLIENT_ADDRESS_MAX_CHARS } from '../identity/sign-in.ts';
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
} from '../otp.ts';
import type { CardDeps } from './card-deps.ts';
import { requireOpen } from './card-money.ts';
import { getCardOf } from './cards.ts';

/**
 * Showing a card's full number and CVV2 takes a fresh one-time code sent to
 * the cardholder's phone (purpose `reveal_card`), like sign-in but bound to
 * the card: the stored hash is over "<phone>|<card id>" instead of the phone
 * alone, so a code sent for one card cannot reveal another, and a sign-in
 * code (different purpose) reveals nothing. Sends share the phone's SMS
 * budget (cooldown and hourly caps) with sign-in codes, since both cost an
 * SMS and both can be abused to spam a phone. Only the latest reveal code of
 * a phone works; it works once, 5 minutes, 5 wrong tries lock it.
 */

const PURPOSE: OtpPurpose = 'reveal_card';
const SEND_HISTORY_MAX_ROWS = 100;

const boundSubject = (phoneE164: string, cardId: string) => `${phoneE164}|${cardId}`;

export async function requestRevealCode(
  tx: Tx,
  deps: CardDeps,
  input: { readonly cardholderId: string; readonly cardId: string; readonly clientAddress: string },
): Promise<{ ok: true; expiresAtMs: number; resendAfterMs: number } | { ok: false; retryAfterMs: number; message: string }> {
  const card = await getCardOf(tx, input.cardholderId, input.cardId);
  requireOpen(card);
  const cardholder = (await getCardholder(tx, card.cardholderId))!;
  const phone = cardholder.phoneE164;
  const address = (typeof input.clientAddress === 'string' && input.clientAddress.trim() !== '' ? input.clientAddress.trim() : 'unknown').slice(0, CLIENT_ADDRESS_MAX_CHARS);
  const nowMs = deps.clock.nowMs();
  await lockName(tx, `issuer:otp-phone:${phone}`);
  await lockName(tx, `issuer:otp-address:${address}`);
  const since = nowMs - OTP_RATE_WINDOW_MS;
  const times = async (column: 'phone_e164' | 'client_address', value: string) =>
    (
      await tx.all<{ sent_at_ms: number | string }>(
        `SELECT sent_at_ms FROM issuer_otp_codes WHERE ${column} = ? AND sent_at_ms > ? ORDER BY sent_at_ms DESC LIMIT ?`,
        [value, since, SEND_HISTORY_MAX_ROWS],
      )
    ).map((row) => Number(row.sent_at_ms));
  const decision = checkSendAllowed({ nowMs, phoneSentAtMs: await times('phone_e164', phone), addressSentAtMs: await times('client_address', address) });
  if (!decision.ok) return { ok: false, retryAfterMs: decision.retryAfterMs, message: decision.message };

  await tx.run(
    'UPDATE issuer_otp_codes SET voided_at_ms = ? WHERE phone_e164 = ? AND purpose = ? AND voided_at_ms IS NULL AND consumed_at_ms IS NULL',
    [nowMs, phone, PURPOSE],
  );
  const { code, record } = issueCode(deps.random, deps.otpPepper, boundSubject(phone, card.id), PURPOSE, nowMs);
  await tx.run(
    `INSERT INTO issuer_otp_codes (phone_e164, purpose, code_hash, client_address, sent_at_ms, expires_at_ms, attempts)
     VALUES (?, ?, ?, ?, ?, ?, 0)`,
    [phone, PURPOSE, record.codeHash, address, record.sentAtMs, record.expiresAtMs],
  );
  const minutes = OTP_TTL_MS / 60_000;
  await deps.sms.send(tx, {
    phoneE164: phone,
    body: `【Cardlane】查看尾号 ${card.last4} 的卡号验证码 ${code}，${minutes} 分钟内有效，请勿告诉他人。Code ${code} shows the full number of your card ending ${card.last4}; it expires in ${minutes} minutes. Never share it.`,
    nowMs,
  });
  return { ok: true, expiresAtMs: record.expiresAtMs, resendAfterMs: nowMs + OTP_RESEND_COOLDOWN_MS };
}

export interface RevealedCard {
  readonly cardId: string;
  readonly number: string;
  readonly cvc: string;
  readonly expMonth: number;
  readonly expYear: number;
}

export type RevealResult =
  | { readonly ok: true; readonly card: RevealedCard }
  | { readonly ok: false; readonly code: Exclude<OtpOutcome, 'ok'>; readonly message: string };

/**
 * Checks the code and, when right, decrypts the PAN and derives the CVV2.
 * Returns refusals as values: the caller must commit (a wrong code's attempt
 * count has to stick) and then refuse. The result must never be logged or
 * saved (no idempotency record for this route).
 */
export async function revealCard(tx: Tx, deps: CardDeps, input: { readonly cardholderId: string; readonly cardId: string; readonly code: unknown }): Promise<RevealResult> {
  const card = await getCardOf(tx, input.cardholderId, input.cardId);
  requireOpen(card);
  const cardholder = (await getCardholder(tx, card.cardholderId))!;
  const phone = cardholder.phoneE164;
  await lockName(tx, `issuer:otp-phone:${phone}`);
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
    [phone, PURPOSE],
  );
  if (row === undefined) return { ok: false, code: 'code_invalid', message: 'No reveal code is waiting; ask for one (POST /cards/{id}/reveal-code).' };
  const record: OtpRecord = {
    phone: boundSubject(phone, card.id),
    purpose: PURPOSE,
    codeHash: row.code_hash,
    sentAtMs: Number(row.sent_at_ms),
    expiresAtMs: Number(row.expires_at_ms),
    attempts: Number(row.attempts),
    ...(row.locked_at_ms === null ? {} : { lockedAtMs: Number(row.locked_at_ms) }),
    ...(row.consumed_at_ms === null ? {} : { consumedAtMs: Number(row.consumed_at_ms) }),
  };
  const result = verifyAttempt(record, typeof input.code === 'string' ? input.code : '', deps.clock.nowMs(), deps.otpPepper);
  if (result.record !== record) {
    await tx.run('UPDATE issuer_otp_codes SET attempts = ?, locked_at_ms = ?, consumed_at_ms = ? WHERE id = ?', [
      result.record.attempts,
      result.record.lockedAtMs ?? null,
      result.record.consumedAtMs ?? null,
      Number(row.id),
    ]);
  }
  if (result.outcome !== 'ok') return { ok: false, code: result.outcome, message: refusalMessage(result.outcome, result.attemptsRemaining) };
  const pan = decryptPan(deps.keyring, { ciphertext: card.panCiphertext, kid: card.panKid });
  return {
    ok: true,
    card: { cardId: card.id, number: pan, cvc: deriveCvv2(deps.keyring, pan, card.expMonth, card.expYear), expMonth: card.expMonth, expYear: card.expYear },
  };
}

function refusalMessage(outcome: Exclude<OtpOutcome, 'ok'>, remaining: number): string {
  switch (outcome) {
    case 'code_invalid':
      return `The code is not right; ${remaining} of ${OTP_MAX_ATTEMPTS} attempts left.`;
    case 'code_expired':
      return 'The code has expired; ask for a new one.';
    case 'code_locked':
      return 'Too many wrong codes; ask for a new one.';
    case 'code_used':
      return 'The code was already used; ask for a new one to see the card again.';
  }
}

/** For the HTTP edge: a refusal as an AppError, after the transaction committed. */
export function revealRefusal(result: Extract<RevealResult, { ok: false }>): AppError {
  return new AppError(result.code, result.message, { param: 'code' });
}
