import type { Database, Sql } from '../../platform/db/database.ts';
import type { Clock } from '../../platform/clock.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { AuthenticationRequest, AuthenticationResponse, AuthorizationRequest } from '../messages.ts';
import { recordableBin, recordableLast4 } from '../pan-format.ts';
import { findTestCard, THREE_D_SECURE_BEHAVIOURS } from './test-cards.ts';

/**
 * The test bank's 3-D Secure access control server, as Stripe's test cards
 * behave: a card scripted to need authentication is always challenged (the
 * challenge page, test-bank-challenge-page.ts, has "Complete" and "Fail"
 * buttons like Stripe's test page); any other card is authenticated
 * frictionlessly. A challenge not finished within CHALLENGE_TTL_MS is
 * abandoned (`expired`).
 *
 * Each authentication is one row keyed by the acquirer's id: asking again
 * with the same id (a retry after a crash) answers where it stands and never
 * opens a second challenge. The authentication value (CAVV-like) is a fresh
 * id handed out only when the challenge passes; an authorization carrying it
 * is checked against this row (card, merchant, status), so it cannot be made
 * up or moved to another card or merchant.
 */

/** How long a cardholder has to finish a challenge (EMV 3DS challenge windows are about 10 minutes). */
export const CHALLENGE_TTL_MS = 10 * 60_000;

/**
 * Electronic commerce indicator of a fully authenticated payment: Visa's 05,
 * Mastercard's 02 (the value the network's liability shift reads,
 * disputes/reason-codes.ts). Other brands use Visa's.
 */
function eciAuthenticated(cardBin: string): string {
  return /^(5[1-5]|2[2-7])/.test(cardBin) ? '02' : '05';
}

export const TEST_BANK_CHALLENGE_PATH = '/3ds/test-bank';

interface Row {
  id: string;
  card_bin: string;
  card_last4: string;
  purpose: string;
  acquirer_id: string;
  merchant_id: string;
  merchant_name: string;
  currency: string;
  amount_minor: number | string;
  notification_url: string;
  status: 'challenge' | 'authenticated' | 'failed' | 'expired';
  reason: string;
  auth_value: string | null;
  expires_at_ms: number | string;
  created_at_ms: number | string;
  updated_at_ms: number | string;
}

/** What the challenge page shows: never the card number, only its last four. */
export interface ChallengeView {
  readonly id: string;
  readonly status: Row['status'];
  readonly last4: string;
  readonly merchantName: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly notificationUrl: string;
}

export interface TestBankAcsDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export class TestBankAcs {
  readonly #deps: TestBankAcsDeps;
  readonly #issuerName: string;

  constructor(deps: TestBankAcsDeps, issuerName: string) {
    this.#deps = deps;
    this.#issuerName = issuerName;
  }

  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResponse> {
    const { db, clock } = this.#deps;
    const nowMs = clock.nowMs();
    const existing = await this.#load(db, request.id);
    if (existing !== undefined) return this.#answer(await this.#expireIfDue(existing, nowMs));
    const card = findTestCard(request.card.pan);
    const challenged = card !== undefined && THREE_D_SECURE_BEHAVIOURS.has(card.behaviour);
    // A notification URL is a path on this server: the page never redirects a cardholder elsewhere.
    if (!/^\/[A-Za-z0-9/_.~%?=&-]{1,500}$/.test(request.notificationUrl) || request.notificationUrl.startsWith('//')) {
      return { type: 'authentication_response', id: request.id, status: 'failed', challengeUrl: null, expiresAtMs: null, authentication: null, reason: 'invalid_request', issuer: this.#issuerName };
    }
    const row: Row = {
      id: request.id,
      card_bin: recordableBin(request.card.pan) ?? '',
      card_last4: recordableLast4(request.card.pan) ?? '',
      purpose: request.purpose,
      acquirer_id: request.merchant.acquirerId,
      merchant_id: request.merchant.merchantId,
      merchant_name: request.merchant.name,
      currency: request.amount.currency,
      amount_minor: request.amount.minor,
      notification_url: request.notificationUrl,
      status: challenged ? 'challenge' : 'authenticated',
      reason: challenged ? 'challenge_required' : 'frictionless',
      auth_value: challenged ? null : this.#deps.ids.next('cavv'),
      expires_at_ms: nowMs + CHALLENGE_TTL_MS,
      created_at_ms: nowMs,
      updated_at_ms: nowMs,
    };
    await db.transaction(async (tx) => {
      // A concurrent copy of the same request may have inserted it first: then its row is the answer.
      await tx.run(
        `INSERT INTO test_bank_authentications (id, card_bin, card_last4, purpose, acquirer_id, merchant_id, merchant_name, currency, amount_minor,
           notification_url, status, reason, auth_value, expires_at_ms, created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        [row.id, row.card_bin, row.card_last4, row.purpose, row.acquirer_id, row.merchant_id, row.merchant_name, row.currency, row.amount_minor,
          row.notification_url, row.status, row.reason, row.auth_value, row.expires_at_ms, row.created_at_ms, row.updated_at_ms],
      );
    });
    return this.#answer((await this.#load(db, request.id))!);
  }

  async result(id: string): Promise<AuthenticationResponse> {
    const row = await this.#load(this.#deps.db, id);
    if (row === undefined) {
      return { type: 'authentication_response', id, status: 'failed', challengeUrl: null, expiresAtMs: null, authentication: null, reason: 'no_such_authentication', issuer: this.#issuerName };
    }
    return this.#answer(await this.#expireIfDue(row, this.#deps.clock.nowMs()));
  }

  /** The challenge as the page shows it, or undefined for an unknown id. */
  async view(id: string): Promise<ChallengeView | undefined> {
    const row = await this.#load(this.#deps.db, id);
    if (row === undefined) return undefined;
    const current = await this.#expireIfDue(row, this.#deps.clock.nowMs());
    return {
      id: current.id,
      status: current.status,
      last4: current.card_last4,
      merchantName: current.merchant_name,
      amountMinor: Number(current.amount_minor),
      currency: current.currency,
      notificationUrl: current.notification_url,
    };
  }

  /** The cardholder pressed "Complete" or "Fail" on the test page. Only a challenge still open changes; returns where it stands. */
  async finish(id: string, outcome: 'complete' | 'fail'): Promise<ChallengeView | undefined> {
    const { db, clock, ids } = this.#deps;
    const nowMs = clock.nowMs();
    await db.transaction(async (tx) => {
      const next = outcome === 'complete' ? { status: 'authenticated', reason: 'challenge_passed', value: ids.next('cavv') } : { status: 'failed', reason: 'declined_by_cardholder', value: null };
      await tx.run(
        `UPDATE test_bank_authentications SET status = ?, reason = ?, auth_value = ?, updated_at_ms = ?
          WHERE id = ? AND status = 'challenge' AND expires_at_ms > ?`,
        [next.status, next.reason, next.value, nowMs, id, nowMs],
      );
    });
    return this.view(id);
  }

  /**
   * Whether an authorization's authentication is one this server issued for
   * this card at this merchant: `absent` when it carries none.
   */
  async check(sql: Sql, request: AuthorizationRequest): Promise<'absent' | 'valid' | 'invalid'> {
    const data = request.authentication;
    if (data === undefined || data === null) return 'absent';
    const row = await this.#load(sql, data.transactionId);
    const valid =
      row !== undefined &&
      row.status === 'authenticated' &&
      row.auth_value === data.value &&
      data.eci === eciAuthenticated(row.card_bin) &&
      row.card_bin === (recordableBin(request.card.pan) ?? '') &&
      row.card_last4 === (recordableLast4(request.card.pan) ?? '') &&
      row.acquirer_id === request.merchant.acquirerId &&
      row.merchant_id === request.merchant.merchantId;
    return valid ? 'valid' : 'invalid';
  }

  async #expireIfDue(row: Row, nowMs: number): Promise<Row> {
    if (row.status !== 'challenge' || Number(row.expires_at_ms) > nowMs) return row;
    await this.#deps.db.transaction((tx) =>
      tx.run(`UPDATE test_bank_authentications SET status = 'expired', reason = 'abandoned', updated_at_ms = ? WHERE id = ? AND status = 'challenge'`, [nowMs, row.id]),
    );
    return (await this.#load(this.#deps.db, row.id))!;
  }

  #load(sql: Sql, id: string): Promise<Row | undefined> {
    return sql.get<Row>('SELECT * FROM test_bank_authentications WHERE id = ?', [id]);
  }

  #answer(row: Row): AuthenticationResponse {
    const authenticated = row.status === 'authenticated' && row.auth_value !== null;
    return {
      type: 'authentication_response',
      id: row.id,
      status: row.status,
      challengeUrl: row.status === 'challenge' ? `${TEST_BANK_CHALLENGE_PATH}/${encodeURIComponent(row.id)}` : null,
      expiresAtMs: row.status === 'challenge' ? Number(row.expires_at_ms) : null,
      authentication: authenticated ? { transactionId: row.id, value: row.auth_value!, eci: eciAuthenticated(row.card_bin) } : null,
      reason: row.reason,
      issuer: this.#issuerName,
    };
  }
}
