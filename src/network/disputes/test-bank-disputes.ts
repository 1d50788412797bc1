import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import type { DisputeCategory, DisputeIssuerEndpoint, DisputeMessageResponse, DisputeNetwork, FraudType, RepresentmentRequest } from '../messages.ts';
import { recordableBin, recordableLast4 } from '../pan-format.ts';
import { TEST_BANK_NAME } from '../test-issuers/test-cards.ts';
import { reasonCodeFor, RESPONSE_WINDOW_MS } from './reason-codes.ts';

/**
 * Stripe's dispute test cards, played by the test bank: after a capture the
 * bank disputes the payment through the network, as Stripe's test mode does
 * (`4000000000000259` fraudulent, `4000000000002685` product not received,
 * `4000000000001976` an inquiry). Its decision after the merchant's evidence
 * is scripted as Stripe's: `losing_evidence` in the evidence loses, anything
 * else (`winning_evidence`) wins.
 */
export const DISPUTE_TEST_CARDS: ReadonlyArray<{ readonly pan: string; readonly kind: 'chargeback' | 'inquiry'; readonly category: DisputeCategory }> = [
  { pan: '4000000000000259', kind: 'chargeback', category: 'fraud' },
  { pan: '4000000000002685', kind: 'chargeback', category: 'product_not_received' },
  { pan: '4000000000001976', kind: 'inquiry', category: 'fraud' },
];

/**
 * Stripe's early fraud warning card: after a capture the test bank reports
 * the payment as fraud (TC40 / SAFE) through the network; no chargeback follows.
 */
export const FRAUD_WARNING_TEST_CARDS: ReadonlyArray<{ readonly pan: string; readonly fraudType: FraudType }> = [{ pan: '4000000000005423', fraudType: 'made_with_stolen_card' }];

const SWEEP_LIMIT = 100;

interface OwedRow {
  id: string;
  authorization_request_id: string;
  kind: 'chargeback' | 'inquiry';
  category: DisputeCategory;
  brand: string;
  amount_minor: number | string;
  currency: string;
  status: string;
  winner: string | null;
}

export class TestBankDisputes implements DisputeIssuerEndpoint {
  readonly name = TEST_BANK_NAME;
  readonly #db: Database;
  readonly #clock: Clock;
  #network: DisputeNetwork | null = null;

  constructor(deps: { db: Database; clock: Clock }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
  }

  connect(network: DisputeNetwork): void {
    this.#network = network;
  }

  /** Finds captures of dispute test cards not yet disputed, disputes them, and sends the decisions owed after evidence. Returns how many messages got an answer. */
  async sweep(): Promise<number> {
    if (this.#network === null) return 0;
    const nowMs = this.#clock.nowMs();
    for (const card of DISPUTE_TEST_CARDS) {
      const captured = await this.#db.all<{ request_id: string; cleared_minor: number | string; refunded_minor: number | string; currency: string }>(
        `SELECT a.request_id, a.cleared_minor, a.refunded_minor, a.currency FROM test_bank_authorizations a
         WHERE a.card_bin = ? AND a.card_last4 = ? AND a.cleared_minor > a.refunded_minor
           AND NOT EXISTS (SELECT 1 FROM test_bank_disputes d WHERE d.authorization_request_id = a.request_id)
         LIMIT ${SWEEP_LIMIT}`,
        [recordableBin(card.pan), recordableLast4(card.pan)],
      );
      for (const auth of captured) {
        await this.#db.run(
          `INSERT INTO test_bank_disputes (id, authorization_request_id, kind, category, brand, amount_minor, currency, status, winner, created_at_ms, updated_at_ms)
           VALUES (?, ?, ?, ?, 'visa', ?, ?, 'owed', NULL, ?, ?) ON CONFLICT DO NOTHING`,
          [`tbcb_${auth.request_id}`.slice(0, 128), auth.request_id, card.kind, card.category, Number(auth.cleared_minor) - Number(auth.refunded_minor), auth.currency, nowMs, nowMs],
        );
      }
    }
    let answered = await this.#reportFraud(nowMs);
    const owed = await this.#db.all<OwedRow>(`SELECT * FROM test_bank_disputes WHERE status IN ('owed', 'represented') ORDER BY created_at_ms LIMIT ${SWEEP_LIMIT}`);
    for (const row of owed) {
      const answer = row.status === 'owed' ? await this.#sendChargeback(row, nowMs) : await this.#sendDecision(row, nowMs);
      if (answer.responseCode === '91' || answer.responseCode === '96') continue;
      answered += 1;
      const next = row.status === 'owed' ? (answer.responseCode === '00' ? 'sent' : 'refused') : 'decided';
      await this.#db.run(`UPDATE test_bank_disputes SET status = ?, updated_at_ms = ? WHERE id = ? AND status = ?`, [next, nowMs, row.id, row.status]);
    }
    return answered;
  }

  /** Reports captures of the fraud warning cards not yet reported (or whose report the network could not carry: the same id again). */
  async #reportFraud(nowMs: number): Promise<number> {
    let answered = 0;
    for (const card of FRAUD_WARNING_TEST_CARDS) {
      const captured = await this.#db.all<{ request_id: string }>(
        `SELECT a.request_id FROM test_bank_authorizations a
         WHERE a.card_bin = ? AND a.card_last4 = ? AND a.cleared_minor > 0
           AND NOT EXISTS (SELECT 1 FROM network_fraud_reports r WHERE r.original_id = a.request_id AND r.response_code NOT IN ('91', '96'))
         LIMIT ${SWEEP_LIMIT}`,
        [recordableBin(card.pan), recordableLast4(card.pan)],
      );
      for (const auth of captured) {
        const reply = await this.#network!.reportFraud({ type: 'fraud_report', id: `tbfr_${auth.request_id}`.slice(0, 128), sender: this.name, originalId: auth.request_id, fraudType: card.fraudType, sentAtMs: nowMs });
        if (reply.responseCode !== '91' && reply.responseCode !== '96') answered += 1;
      }
    }
    return answered;
  }

  #sendChargeback(row: OwedRow, nowMs: number): Promise<DisputeMessageResponse> {
    return this.#network!.chargeback({
      type: 'chargeback',
      id: row.id,
      sender: this.name,
      originalId: row.authorization_request_id,
      kind: row.kind,
      category: row.category,
      reasonCode: reasonCodeFor(row.category, row.brand),
      amount: { minor: Number(row.amount_minor), currency: row.currency },
      cardholderStatement: 'Stripe test card: disputed by the test bank after capture.',
      respondByMs: nowMs + RESPONSE_WINDOW_MS,
      sentAtMs: nowMs,
    });
  }

  #sendDecision(row: OwedRow, nowMs: number): Promise<DisputeMessageResponse> {
    return this.#network!.decide({
      type: 'dispute_decision',
      id: `${row.id}:decision`,
      sender: this.name,
      chargebackId: row.id,
      winner: row.winner === 'cardholder' ? 'cardholder' : 'merchant',
      sentAtMs: nowMs,
    });
  }

  async receiveRepresentment(request: RepresentmentRequest): Promise<DisputeMessageResponse> {
    const nowMs = this.#clock.nowMs();
    const row = await this.#db.get<OwedRow>(`SELECT * FROM test_bank_disputes WHERE id = ?`, [request.chargebackId]);
    if (!row) return { type: 'dispute_response', id: request.id, responseCode: '12', reason: 'unknown_chargeback', receiverRef: null, decidedBy: 'issuer' };
    if (row.status === 'sent') {
      const losing = Object.values(request.evidence).some((text) => text.includes('losing_evidence'));
      const status = request.action === 'accept' ? 'accepted' : 'represented';
      await this.#db.run(`UPDATE test_bank_disputes SET status = ?, winner = ?, updated_at_ms = ? WHERE id = ? AND status = 'sent'`, [
        status,
        request.action === 'accept' || losing ? 'cardholder' : 'merchant',
        nowMs,
        row.id,
      ]);
    }
    return { type: 'dispute_response', id: request.id, responseCode: '00', reason: 'received', receiverRef: row.id, decidedBy: 'issuer' };
  }
}
