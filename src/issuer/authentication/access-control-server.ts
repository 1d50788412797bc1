import type { AuthenticationRequest, AuthenticationResponse } from '../../network/messages.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Sql, Tx } from '../../platform/db/database.ts';
import { formatMinor } from '../../platform/http/authentication-page.ts';
import { OTP_RESEND_COOLDOWN_MS, OTP_TTL_MS, issueCode, verifyAttempt } from '../../platform/identity/one-time-codes.ts';
import { hashesMatch } from '../../platform/identity/secret-tokens.ts';
import { IdGenerator, type RandomSource } from '../../platform/ids.ts';
import { panFingerprint } from '../card-secrets.ts';
import { findCardByPanFingerprint } from '../cards/cards.ts';
import type { SmsProvider } from '../identity/sms-provider.ts';
import { getCardholder } from '../identity/cardholders.ts';
import type { Keyring } from '../keyring.ts';
import { hashCode } from '../otp.ts';
import { authenticationValue, ECI_AUTHENTICATED } from './authentication-value.ts';
import type { ThreeDSecurePolicy } from './policy.ts';

/**
 * Cardlane's own 3-D Secure access control server: the network routes here
 * the authentications of Cardlane cards (an acquirer asks after the issuer
 * answered 1A). The cardholder proves it is them with a one-time code sent
 * by SMS to the phone they signed up with, on a page the issuer serves
 * (challenge-page.ts):
 *
 *  - the code is six digits, stored only as its peppered hash, valid for
 *    OTP_TTL_MS (the platform's rules, platform/identity/one-time-codes.ts);
 *  - MAX_WRONG_CODES wrong codes fail the authentication
 *    (`too_many_wrong_codes`); the cardholder may refuse the payment
 *    (`declined_by_cardholder`); a challenge not finished within
 *    CHALLENGE_TTL_MS is abandoned (`expired`);
 *  - a new code may be sent MAX_CODES_SENT − 1 times, once a cooldown has
 *    passed (a lost SMS, a code that lapsed);
 *  - a passed challenge yields the authentication value
 *    (authentication-value.ts), a MAC over this authentication, the card,
 *    the merchant and the amount: the authorization that follows carries it,
 *    and the issuer accepts it once, for exactly that payment.
 *
 * With the program's 3-D Secure `off`, an acquirer that asks anyway gets a
 * frictionless authentication: the issuer has no reason to challenge.
 *
 * Exactly once, as the test bank's: one row per authentication id, inserted
 * with the code's SMS in one transaction; a repeat (same id) answers where
 * the row stands and sends nothing. Every change is a conditional update of
 * a challenge still open, so a double-submitted form counts once.
 */

/** How long a cardholder has to finish a challenge (EMV 3DS challenge windows are about 10 minutes). */
export const CHALLENGE_TTL_MS = 10 * 60_000;
/** Wrong codes that fail the authentication: three, as banks' SMS checks commonly allow. */
export const MAX_WRONG_CODES = 3;
/** Codes sent for one challenge at most (the first and two more): bounds what one payment can cost in SMS and guesses. */
export const MAX_CODES_SENT = 3;

export const CARDLANE_CHALLENGE_PATH = '/issuer/3ds';

/**
 * A challenge's own id, the handle of its page (`/issuer/3ds/chl_…`): the
 * authentication's id is the acquirer's (`ch_….3ds`, after its charge),
 * which reads as a charge or a cardholder — and which the merchant knows.
 * Unguessable (platform/ids.ts). Challenges opened before they had one are
 * still found by the authentication's id (`authenticationOfChallenge`).
 */
export const CHALLENGE_ID_PREFIX = 'chl';

/** The subject a challenge's code is bound to: its phone and this authentication, so it serves nothing else. */
const PURPOSE = 'authenticate_payment';

export type ChallengeStatus = 'challenge' | 'authenticated' | 'failed' | 'expired';

export interface AuthenticationRow {
  id: string;
  /** The challenge's own id (`chl_…`); null without a challenge, or for one opened before challenges had ids. */
  challenge_id: string | null;
  card_id: string;
  cardholder_id: string;
  card_last4: string;
  purpose: string;
  acquirer_id: string;
  merchant_id: string;
  merchant_name: string;
  currency: string;
  amount_minor: number | string;
  notification_url: string;
  status: ChallengeStatus;
  reason: string;
  auth_value: string | null;
  code_hash: string | null;
  code_sent_at_ms: number | string | null;
  code_expires_at_ms: number | string | null;
  codes_sent: number | string;
  wrong_codes: number | string;
  used_by_request_id: string | null;
  cvv2_checked_request_id: string | null;
  expires_at_ms: number | string;
  created_at_ms: number | string;
  updated_at_ms: number | string;
}

/** What the challenge page shows: never the card number, only its last four; never the phone number, only its end. */
export interface ChallengeView {
  readonly id: string;
  readonly status: ChallengeStatus;
  readonly reason: string;
  readonly purpose: string;
  readonly last4: string;
  readonly merchantName: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly notificationUrl: string;
  readonly phoneEnd: string;
  readonly wrongCodesLeft: number;
  readonly codesLeft: number;
  /** When another code may be sent (null: no more may be). */
  readonly resendAtMs: number | null;
  readonly expiresAtMs: number;
}

/** What a code submission did. */
export type CodeOutcome = 'passed' | 'wrong_code' | 'failed' | 'code_expired' | 'code_invalid' | 'closed';

export interface AccessControlServerDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly keyring: Keyring;
  readonly sms: SmsProvider;
  readonly policy: ThreeDSecurePolicy;
}

export class CardlaneAccessControlServer {
  readonly #deps: AccessControlServerDeps;
  readonly #issuerName: string;
  readonly #ids: IdGenerator;

  constructor(deps: AccessControlServerDeps, issuerName: string) {
    this.#deps = deps;
    this.#issuerName = issuerName;
    this.#ids = new IdGenerator(deps.clock, deps.random);
  }

  /**
   * The authentication a challenge page's id names: the challenge's own id,
   * or — for a challenge opened before challenges had their own — the
   * authentication's id. Never by its prefix: an id is looked up as it is.
   */
  async authenticationOfChallenge(challengeId: string): Promise<string | undefined> {
    const row = await this.#deps.db.get<{ id: string }>(
      'SELECT id FROM issuer_authentications WHERE challenge_id = ? OR (challenge_id IS NULL AND id = ?)',
      [challengeId, challengeId],
    );
    return row?.id;
  }

  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResponse> {
    const { db, clock, keyring } = this.#deps;
    const nowMs = clock.nowMs();
    const existing = await loadAuthentication(db, request.id);
    if (existing !== undefined) return this.#answer(await this.#expireIfDue(existing, nowMs));
    // A notification URL is a path on this server: the page never sends a cardholder elsewhere.
    if (!/^\/[A-Za-z0-9/_.~%?=&-]{1,500}$/.test(request.notificationUrl) || request.notificationUrl.startsWith('//')) return this.#refusal(request.id, 'invalid_request');
    if (!Number.isSafeInteger(request.amount?.minor) || request.amount.minor < 0 || !/^[A-Z]{3}$/.test(request.amount.currency ?? '')) return this.#refusal(request.id, 'invalid_request');
    const card = await findCardByPanFingerprint(db, panFingerprint(keyring, request.card.pan));
    if (card === undefined) return this.#refusal(request.id, 'card_not_found');
    if (card.status !== 'active') return this.#refusal(request.id, `card_${card.status}`);
    const challenged = this.#deps.policy.mode !== 'off';
    const askedBy = await askingAuthorization(db, card.id, request, nowMs);
    await db.transaction(async (tx) => {
      const inserted = await tx.run(
        `INSERT INTO issuer_authentications (id, challenge_id, card_id, cardholder_id, card_last4, purpose, acquirer_id, merchant_id, merchant_name, currency, amount_minor,
           notification_url, status, reason, auth_value, cvv2_checked_request_id, expires_at_ms, created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        [
          request.id, challenged ? this.#ids.next(CHALLENGE_ID_PREFIX) : null, card.id, card.cardholderId, card.last4, request.purpose, request.merchant.acquirerId, request.merchant.merchantId,
          String(request.merchant.name).slice(0, 64), request.amount.currency, request.amount.minor, request.notificationUrl,
          challenged ? 'challenge' : 'authenticated', challenged ? 'challenge_required' : 'frictionless',
          challenged ? null : authenticationValue(keyring, { id: request.id, cardId: card.id, purpose: request.purpose, merchant: request.merchant, amount: request.amount }),
          askedBy, nowMs + CHALLENGE_TTL_MS, nowMs, nowMs,
        ],
      );
      // A concurrent copy of the same request inserted it first: its row (and its one SMS) is the answer.
      if (inserted === 1 && challenged) await this.#sendCode(tx, request.id, nowMs);
    });
    return this.#answer((await loadAuthentication(db, request.id))!);
  }

  /** Where an authentication stands (the acquirer asks when the browser comes back, or when the challenge lapsed). */
  async result(id: string): Promise<AuthenticationResponse> {
    const row = await loadAuthentication(this.#deps.db, id);
    if (row === undefined) return this.#refusal(id, 'no_such_authentication');
    return this.#answer(await this.#expireIfDue(row, this.#deps.clock.nowMs()));
  }

  /** The challenge as the page shows it, or undefined for an unknown id. */
  async view(id: string): Promise<ChallengeView | undefined> {
    const row = await loadAuthentication(this.#deps.db, id);
    if (row === undefined) return undefined;
    const current = await this.#expireIfDue(row, this.#deps.clock.nowMs());
    const holder = await getCardholder(this.#deps.db, current.cardholder_id);
    const codesSent = Number(current.codes_sent);
    const sentAt = current.code_sent_at_ms === null ? null : Number(current.code_sent_at_ms);
    return {
      id: current.id,
      status: current.status,
      reason: current.reason,
      purpose: current.purpose,
      last4: current.card_last4,
      merchantName: current.merchant_name,
      amountMinor: Number(current.amount_minor),
      currency: current.currency,
      notificationUrl: current.notification_url,
      phoneEnd: holder === undefined ? '' : holder.phoneE164.slice(-4),
      wrongCodesLeft: Math.max(0, MAX_WRONG_CODES - Number(current.wrong_codes)),
      codesLeft: Math.max(0, MAX_CODES_SENT - codesSent),
      resendAtMs: codesSent >= MAX_CODES_SENT || sentAt === null ? null : sentAt + OTP_RESEND_COOLDOWN_MS,
      expiresAtMs: Number(current.expires_at_ms),
    };
  }

  /** The cardholder entered a code. Only a challenge still open changes; a wrong code counts once however often the form is sent. */
  async submitCode(id: string, code: string): Promise<CodeOutcome> {
    const { db, clock, keyring } = this.#deps;
    const nowMs = clock.nowMs();
    const found = await loadAuthentication(db, id);
    if (found !== undefined) await this.#expireIfDue(found, nowMs);
    return db.transaction(async (tx) => {
      const row = await tx.get<AuthenticationRow>(`SELECT * FROM issuer_authentications WHERE id = ? ${tx.forUpdate}`, [id]);
      if (row === undefined || row.status !== 'challenge' || Number(row.expires_at_ms) <= nowMs || row.code_hash === null) return 'closed';
      const holder = await getCardholder(tx, row.cardholder_id);
      if (holder === undefined) return 'closed';
      const record = { codeHash: row.code_hash, sentAtMs: Number(row.code_sent_at_ms), expiresAtMs: Number(row.code_expires_at_ms), attempts: 0 };
      const verdict = verifyAttempt(record, code, nowMs, (c) => hashCode(keyring.otpPepper, codeSubject(holder.phoneE164, id), PURPOSE, c));
      if (verdict.outcome === 'code_invalid' && verdict.record.attempts === 0) return 'code_invalid'; // not six digits: cannot be right, not counted
      if (verdict.outcome === 'code_expired') return 'code_expired';
      if (verdict.outcome === 'ok') {
        const value = authenticationValue(keyring, {
          id,
          cardId: row.card_id,
          purpose: row.purpose,
          merchant: { acquirerId: row.acquirer_id, merchantId: row.merchant_id },
          amount: { minor: Number(row.amount_minor), currency: row.currency },
        });
        await tx.run(
          `UPDATE issuer_authentications SET status = 'authenticated', reason = 'challenge_passed', auth_value = ?, code_hash = NULL, updated_at_ms = ? WHERE id = ? AND status = 'challenge'`,
          [value, nowMs, id],
        );
        return 'passed';
      }
      const wrong = Number(row.wrong_codes) + 1;
      const failed = wrong >= MAX_WRONG_CODES;
      await tx.run(
        `UPDATE issuer_authentications SET wrong_codes = ?, status = ?, reason = ?, code_hash = ?, updated_at_ms = ? WHERE id = ? AND status = 'challenge'`,
        [wrong, failed ? 'failed' : 'challenge', failed ? 'too_many_wrong_codes' : row.reason, failed ? null : row.code_hash, nowMs, id],
      );
      return failed ? 'failed' : 'wrong_code';
    });
  }

  /** "This was not me": the cardholder refuses the payment. */
  async decline(id: string): Promise<void> {
    const nowMs = this.#deps.clock.nowMs();
    await this.#deps.db.transaction((tx) =>
      tx.run(
        `UPDATE issuer_authentications SET status = 'failed', reason = 'declined_by_cardholder', code_hash = NULL, updated_at_ms = ?
          WHERE id = ? AND status = 'challenge' AND expires_at_ms > ?`,
        [nowMs, id, nowMs],
      ),
    );
  }

  /** Sends a new code (the old one stops working), within the challenge's limits; false when none may be sent now. */
  async resend(id: string): Promise<boolean> {
    const nowMs = this.#deps.clock.nowMs();
    return this.#deps.db.transaction(async (tx) => {
      const row = await tx.get<AuthenticationRow>(`SELECT * FROM issuer_authentications WHERE id = ? ${tx.forUpdate}`, [id]);
      if (row === undefined || row.status !== 'challenge' || Number(row.expires_at_ms) <= nowMs) return false;
      if (Number(row.codes_sent) >= MAX_CODES_SENT || nowMs - Number(row.code_sent_at_ms) < OTP_RESEND_COOLDOWN_MS) return false;
      await this.#sendCode(tx, id, nowMs);
      return true;
    });
  }

  /** Issues a code for the challenge and texts it to the cardholder, in the caller's transaction. */
  async #sendCode(tx: Tx, id: string, nowMs: number): Promise<void> {
    const row = (await tx.get<AuthenticationRow>('SELECT * FROM issuer_authentications WHERE id = ?', [id]))!;
    const holder = await getCardholder(tx, row.cardholder_id);
    if (holder === undefined) throw new Error(`authentication ${id}: its card's cardholder is missing`);
    const phone = holder.phoneE164;
    const { code, record } = issueCode(this.#deps.random, (c) => hashCode(this.#deps.keyring.otpPepper, codeSubject(phone, id), PURPOSE, c), nowMs);
    await tx.run('UPDATE issuer_authentications SET code_hash = ?, code_sent_at_ms = ?, code_expires_at_ms = ?, codes_sent = codes_sent + 1, updated_at_ms = ? WHERE id = ?', [
      record.codeHash, record.sentAtMs, record.expiresAtMs, nowMs, id,
    ]);
    const merchant = row.merchant_name.slice(0, 40);
    const amount = Number(row.amount_minor);
    const minutes = OTP_TTL_MS / 60_000;
    const setUp = row.purpose === 'account_verification' && amount === 0;
    const zh = setUp ? `在 ${merchant} 绑定尾号 ${row.card_last4} 的卡` : `尾号 ${row.card_last4} 的卡向 ${merchant} 付款 ${formatMinor(amount, row.currency, 'zh-CN')}`;
    const en = setUp ? `saving your card ending ${row.card_last4} at ${merchant}` : `paying ${formatMinor(amount, row.currency, 'en')} to ${merchant} with your card ending ${row.card_last4}`;
    await this.#deps.sms.send(tx, {
      phoneE164: phone,
      body: `【Cardlane】${zh}，验证码 ${code}，${minutes} 分钟内有效。如非本人操作，请勿告诉任何人。Code ${code} confirms ${en}; it expires in ${minutes} minutes. If this was not you, share it with no one.`,
      nowMs,
    });
  }

  async #expireIfDue(row: AuthenticationRow, nowMs: number): Promise<AuthenticationRow> {
    if (row.status !== 'challenge' || Number(row.expires_at_ms) > nowMs) return row;
    await this.#deps.db.transaction((tx) =>
      tx.run(`UPDATE issuer_authentications SET status = 'expired', reason = 'abandoned', code_hash = NULL, updated_at_ms = ? WHERE id = ? AND status = 'challenge'`, [nowMs, row.id]),
    );
    return (await loadAuthentication(this.#deps.db, row.id))!;
  }

  #refusal(id: string, reason: string): AuthenticationResponse {
    return { type: 'authentication_response', id, status: 'failed', challengeUrl: null, expiresAtMs: null, authentication: null, reason, issuer: this.#issuerName };
  }

  #answer(row: AuthenticationRow): AuthenticationResponse {
    const authenticated = row.status === 'authenticated' && row.auth_value !== null;
    return {
      type: 'authentication_response',
      id: row.id,
      status: row.status,
      challengeUrl: row.status === 'challenge' ? `${CARDLANE_CHALLENGE_PATH}/${encodeURIComponent(row.challenge_id ?? row.id)}` : null,
      expiresAtMs: row.status === 'challenge' ? Number(row.expires_at_ms) : null,
      authentication: authenticated ? { transactionId: row.id, value: row.auth_value!, eci: ECI_AUTHENTICATED } : null,
      reason: row.reason,
      issuer: this.#issuerName,
    };
  }
}

/**
 * The authorization of this card this issuer answered 1A for exactly this
 * payment (merchant, purpose, amount) within the challenge window, with its
 * CVV2 matched: null when there is none (an acquirer asked without one).
 */
async function askingAuthorization(sql: Sql, cardId: string, request: AuthenticationRequest, nowMs: number): Promise<string | null> {
  const row = await sql.get<{ request_id: string }>(
    `SELECT request_id FROM issuer_authorizations
      WHERE card_id = ? AND created_at_ms >= ? AND reason = 'authentication_required' AND cvv2 = 'pass'
        AND acquirer_id = ? AND merchant_id = ? AND purpose = ? AND amount_minor = ? AND currency = ?
      ORDER BY created_at_ms DESC LIMIT 1`,
    [cardId, nowMs - CHALLENGE_TTL_MS, request.merchant.acquirerId, request.merchant.merchantId, request.purpose, request.amount.minor, request.amount.currency],
  );
  return row?.request_id ?? null;
}

function codeSubject(phoneE164: string, authenticationId: string): string {
  return `${phoneE164}|${authenticationId}`;
}

export function loadAuthentication(sql: Sql, id: string): Promise<AuthenticationRow | undefined> {
  return sql.get<AuthenticationRow>('SELECT * FROM issuer_authentications WHERE id = ?', [id]);
}

/** Compares an authentication value in constant time. */
export function sameValue(a: string, b: string): boolean {
  return hashesMatch(Buffer.from(a, 'utf8').toString('hex'), Buffer.from(b, 'utf8').toString('hex'));
}
