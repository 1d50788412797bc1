import type { Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { IssuerError } from '../errors.ts';
import { decryptPan, deriveCvv2 } from '../card-secrets.ts';
import { getCardholder } from '../identity/cardholders.ts';
import { issueOtp, verifyOtp } from '../identity/otp-store.ts';
import type { OtpPurpose } from '../otp.ts';
import { OTP_RESEND_COOLDOWN_MS, OTP_TTL_MS, type OtpOutcome } from '../../platform/identity/one-time-codes.ts';
import { otpRefusalMessage } from '../../platform/identity/otp-messages.ts';
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
  const nowMs = deps.clock.nowMs();
  const issued = await issueOtp(tx, deps, { phoneE164: phone, subject: boundSubject(phone, card.id), purpose: PURPOSE, clientAddress: input.clientAddress, nowMs });
  if (!issued.ok) return { ok: false, retryAfterMs: issued.retryAfterMs, message: issued.message };
  const { code, record } = issued;
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
  const result = await verifyOtp(tx, deps.otpPepper, {
    phoneE164: phone,
    subject: boundSubject(phone, card.id),
    purpose: PURPOSE,
    code: typeof input.code === 'string' ? input.code : '',
    nowMs: deps.clock.nowMs(),
  });
  if (result === undefined) return { ok: false, code: 'code_invalid', message: 'No reveal code is waiting; ask for one (POST /cards/{id}/reveal-code).' };
  if (result.outcome !== 'ok') {
    return { ok: false, code: result.outcome, message: otpRefusalMessage(result.outcome, result.attemptsRemaining, ' to see the card again') };
  }
  const pan = decryptPan(deps.keyring, { ciphertext: card.panCiphertext, kid: card.panKid });
  return {
    ok: true,
    card: { cardId: card.id, number: pan, cvc: deriveCvv2(deps.keyring, pan, card.expMonth, card.expYear), expMonth: card.expMonth, expYear: card.expYear },
  };
}

/** For the HTTP edge: a refusal as an AppError, after the transaction committed. */
export function revealRefusal(result: Extract<RevealResult, { ok: false }>): AppError {
  return new IssuerError(result.code, result.message, { param: 'code' });
}
