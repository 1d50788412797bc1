import type { Clock } from '../../platform/clock.ts';
import type { Database, Sql, Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { DisputeCategory, DisputeIssuerEndpoint, DisputeMessageResponse, DisputeNetwork, RepresentmentRequest } from '../../network/messages.ts';
import { DISPUTE_REASONS, LIABILITY_SHIFTED, reasonCodeFor, RESPONSE_WINDOW_MS } from '../../network/index.ts';
import { IssuerError } from '../errors.ts';
import { ISSUER_NAME, rowById } from '../authorization/records.ts';
import { fxRecordOf } from '../authorization/foreign-exchange.ts';
import { getMoneySettings } from '../money/settings.ts';
import { confirmedByCardholder } from '../authentication/authorization-check.ts';
import type { Notifier } from '../notifications/notifier.ts';
import { bookCardholderWon, bookChargebackTaken, bookIssuerLiability, bookMerchantWon, bookProvisionalCredit, type DisputeMoney } from './dispute-ledger.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const STATEMENT_MAX_CHARS = 2_000;
const SWEEP_LIMIT = 100;

export type IssuerDisputeStatus = 'opening' | 'chargeback_sent' | 'merchant_responded' | 'deciding' | 'won' | 'lost' | 'rejected';

export interface IssuerDisputeRow {
  id: string;
  cardholder_id: string;
  card_id: string;
  authorization_id: string;
  network_original_id: string;
  category: DisputeCategory;
  scheme: string;
  reason_code: string;
  amount_minor: number | string;
  currency: string;
  /** For a payment in another currency than the card's: what the chargeback asks of the merchant's side, in the payment's currency (null: amount_minor, currency). */
  network_amount_minor: number | string | null;
  network_currency: string | null;
  statement: string;
  status: IssuerDisputeStatus;
  provisional_credit_minor: number | string;
  merchant_evidence: string | null;
  winner: 'cardholder' | 'merchant' | null;
  decided_by: string | null;
  respond_by_ms: number | string;
  created_at_ms: number | string;
  updated_at_ms: number | string;
  closed_at_ms: number | string | null;
}

export interface DisputeStep {
  readonly step: string;
  readonly detail: string;
  readonly amount_minor: number | null;
  readonly at_ms: number;
}

export interface IssuerDisputeDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly ledger: Ledger;
  /** Tells the cardholder each step in the app's feed (and by text when the case ends). */
  readonly notifier?: Notifier;
}

/**
 * The cardholder's disputes at Cardlane's issuer. A dispute names a settled
 * card payment (an authorization with something cleared and not refunded),
 * within the network's time limit for its reason, once per payment. The
 * issuer may credit the cardholder at once (the `dispute_provisional_credit`
 * setting), sends the chargeback through the network, receives the
 * merchant's answer (representment or acceptance), and — after a
 * representment — its operator decides. Each step is recorded for the
 * cardholder and booked in the ledger in the same transaction (dispute-ledger.ts).
 * Messages go after the commit, with ids derived from the dispute's, and a
 * sweep re-sends any the network could not take.
 */
export class IssuerDisputes implements DisputeIssuerEndpoint {
  readonly name = ISSUER_NAME;
  readonly #deps: IssuerDisputeDeps;
  #network: DisputeNetwork | null = null;

  constructor(deps: IssuerDisputeDeps) {
    this.#deps = deps;
  }

  /**
   * Records a step of a case and tells the cardholder, in the step's own
   * transaction: a step exists exactly when its notification does.
   */
  async #step(tx: Tx, disputeId: string, name: string, detail: string, amountMinor: number | null, nowMs: number): Promise<void> {
    await recordStep(tx, disputeId, name, detail, amountMinor, nowMs);
    const notifier = this.#deps.notifier;
    if (notifier === undefined) return;
    const dispute = await tx.get<{ cardholder_id: string; card_id: string; amount_minor: number | string; currency: string; merchant_name: string | null }>(
      `SELECT d.cardholder_id, d.card_id, d.amount_minor, d.currency, a.merchant_name
         FROM issuer_disputes d LEFT JOIN issuer_authorizations a ON a.id = d.authorization_id WHERE d.id = ?`,
      [disputeId],
    );
    if (dispute === undefined) return;
    await notifier.record(tx, [
      {
        kind: 'dispute',
        cardholderId: dispute.cardholder_id,
        subjectId: disputeId,
        eventKey: `${disputeId}_${name}`,
        cardId: dispute.card_id,
        merchantName: dispute.merchant_name,
        amountMinor: amountMinor ?? Number(dispute.amount_minor),
        currency: dispute.currency,
        reason: name,
        createdAtMs: nowMs,
      },
    ]);
  }

  /** The network's dispute service (connected by the composition root once the network is built). */
  connect(network: DisputeNetwork): void {
    this.#network = network;
  }

  async open(input: { cardholderId: string; authorizationId: string; category: DisputeCategory; statement: string; amountMinor?: number }): Promise<IssuerDisputeRow> {
    const { db, clock, ids, ledger } = this.#deps;
    if (input.statement.length > STATEMENT_MAX_CHARS) throw new IssuerError('parameter_invalid', `The statement is at most ${STATEMENT_MAX_CHARS} characters.`);
    const id = await db.transaction(async (tx) => {
      const nowMs = clock.nowMs();
      // The card's row before the payment's: the lock order of every card writer (the credit below reads the card's status under it).
      const named = await rowById(tx, input.authorizationId);
      if (named?.card_id) await lockCard(tx, named.card_id);
      const auth = await rowById(tx, input.authorizationId, { lock: true });
      if (!auth || auth.cardholder_id !== input.cardholderId || auth.card_id === null) throw new IssuerError('resource_missing', `No such payment: '${input.authorizationId}'`);
      const cleared = Number(auth.cleared_usd_minor);
      const disputable = cleared - Number(auth.refunded_usd_minor);
      if (cleared === 0) throw new IssuerError('dispute_not_settled', 'Only a settled payment can be disputed; a pending one can still be reversed by the merchant.');
      const existing = await tx.get<{ id: string }>(`SELECT id FROM issuer_disputes WHERE authorization_id = ?`, [auth.id]);
      if (existing) throw new IssuerError('dispute_duplicate', `This payment is already disputed (${existing.id}).`);
      if (disputable <= 0) throw new IssuerError('dispute_amount_invalid', 'This payment has been refunded in full: there is nothing left to dispute.');
      const amount = input.amountMinor ?? disputable;
      if (!Number.isSafeInteger(amount) || amount <= 0 || amount > disputable) {
        throw new IssuerError('dispute_amount_invalid', `A dispute of this payment is for 1 to ${disputable} cents.`);
      }
      // A payment in another currency: the card was billed USD, so the cardholder disputes (and is credited) USD cents, while
      // the chargeback asks the merchant's side for the same share of what it was paid, in the payment's currency.
      const fx = auth.currency === 'USD' ? undefined : await fxRecordOf(tx, auth.id);
      const network = fx === undefined ? null : { currency: fx.currency, minor: shareOf(amount, disputable, fx.clearedMinor - fx.refundedMinor) };
      if (network !== null && network.minor <= 0) throw new IssuerError('dispute_amount_invalid', 'There is nothing left of this payment to dispute.');
      const reason = DISPUTE_REASONS[input.category];
      if (input.category === 'fraud' && (await confirmedByCardholder(tx, auth.request_id))) {
        // The cardholder typed the code this issuer sent to their phone for this very payment (a 3-D Secure challenge):
        // "I did not make it" is refuted by the issuer's own record, and the network would refuse the chargeback
        // (liability shifted) — crediting it anyway would make the issuer pay for the cardholder's own purchase.
        throw new IssuerError(
          'dispute_cardholder_authenticated',
          'You confirmed this payment with the code sent to your phone (3-D Secure), so it cannot be disputed as fraud. If someone else had your phone or that code, freeze the card and contact us; if the goods never came or were not as described, choose that reason.',
          { param: 'reason' },
        );
      }
      const limitMs = reason.timeLimitDays * DAY_MS;
      if (nowMs - Number(auth.created_at_ms) > limitMs) {
        throw new IssuerError('dispute_time_limit_passed', `A "${input.category}" dispute must be raised within ${reason.timeLimitDays} days of the payment.`);
      }
      const scheme = auth.pan_bin?.startsWith('5') || auth.pan_bin?.startsWith('2') ? 'mastercard' : 'visa';
      const settings = await getMoneySettings(tx);
      const provisional = settings.dispute_provisional_credit === 1 ? amount : 0;
      const id = ids.next('idsp');
      await tx.run(
        `INSERT INTO issuer_disputes (id, cardholder_id, card_id, authorization_id, network_original_id, category, scheme, reason_code, amount_minor, currency,
           network_amount_minor, network_currency, statement, status, provisional_credit_minor, merchant_evidence, winner, decided_by, respond_by_ms, created_at_ms, updated_at_ms, closed_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'opening', ?, NULL, NULL, NULL, ?, ?, ?, NULL)`,
        [id, input.cardholderId, auth.card_id, auth.id, auth.request_id, input.category, scheme, reasonCodeFor(input.category, scheme), amount,
          network === null ? auth.currency : 'USD', network?.minor ?? null, network?.currency ?? null,
          input.statement, provisional, nowMs + RESPONSE_WINDOW_MS, nowMs, nowMs],
      );
      await this.#step(tx, id, 'opened', `Dispute opened: ${reason.visa.title} (${scheme} ${reasonCodeFor(input.category, scheme)}).`, amount, nowMs);
      if (provisional > 0) {
        await bookProvisionalCredit(ledger, tx, money({ id, card_id: auth.card_id, cardholder_id: input.cardholderId, amount_minor: amount }));
        await this.#step(tx, id, 'provisional_credit', 'Provisional credit given while the case is open; it is reversed if the merchant wins.', provisional, nowMs);
      }
      return id;
    });
    await this.#sendChargeback(id);
    return (await this.get(db, id))!;
  }

  /** The operator's decision after the merchant's representment. */
  async decide(disputeId: string, winner: 'cardholder' | 'merchant', operator: string): Promise<IssuerDisputeRow> {
    const { db, clock } = this.#deps;
    await db.transaction(async (tx) => {
      const row = await lockDispute(tx, disputeId);
      if (!row) throw new IssuerError('resource_missing', `No such dispute: '${disputeId}'`);
      if (row.status === 'deciding' && row.winner === winner) return;
      if (row.status !== 'merchant_responded') throw new IssuerError('dispute_not_decidable', `This dispute is ${row.status}: only a dispute the merchant answered with evidence is decided.`);
      const nowMs = clock.nowMs();
      await tx.run(`UPDATE issuer_disputes SET status = 'deciding', winner = ?, decided_by = ?, updated_at_ms = ? WHERE id = ?`, [winner, operator.slice(0, 128), nowMs, row.id]);
      await this.#step(tx, row.id, 'decided', `The issuer decided for the ${winner}.`, null, nowMs);
    });
    await this.#sendDecision(disputeId);
    return (await this.get(db, disputeId))!;
  }

  async receiveRepresentment(request: RepresentmentRequest): Promise<DisputeMessageResponse> {
    const { db, clock, ledger } = this.#deps;
    const reply = (code: '00' | '12', reason: string, ref: string | null): DisputeMessageResponse => ({ type: 'dispute_response', id: request.id, responseCode: code, reason, receiverRef: ref, decidedBy: 'issuer' });
    return db.transaction(async (tx) => {
      const row = await lockDispute(tx, request.chargebackId);
      if (!row) return reply('12', 'unknown_chargeback', null);
      if (row.status !== 'chargeback_sent') return reply('00', 'already_answered', row.id);
      const nowMs = clock.nowMs();
      if (request.action === 'accept') {
        await close(tx, row, 'cardholder', nowMs);
        await bookCardholderWon(ledger, tx, money(row), Number(row.provisional_credit_minor) > 0);
        await this.#step(tx, row.id, 'won', 'The merchant accepted the chargeback: the money is yours.', Number(row.amount_minor), nowMs);
      } else {
        await tx.run(`UPDATE issuer_disputes SET status = 'merchant_responded', merchant_evidence = ?, updated_at_ms = ? WHERE id = ?`, [JSON.stringify(request.evidence), nowMs, row.id]);
        await this.#step(tx, row.id, 'merchant_responded', 'The merchant answered with evidence; the issuer is reviewing it.', null, nowMs);
      }
      return reply('00', 'received', row.id);
    });
  }

  async get(sql: Sql, id: string): Promise<IssuerDisputeRow | undefined> {
    return sql.get<IssuerDisputeRow>(`SELECT * FROM issuer_disputes WHERE id = ?`, [id]);
  }

  async getOf(cardholderId: string, id: string): Promise<IssuerDisputeRow> {
    const row = await this.get(this.#deps.db, id);
    if (!row || row.cardholder_id !== cardholderId) throw new IssuerError('resource_missing', `No such dispute: '${id}'`);
    return row;
  }

  list(cardholderId: string, limit = 100): Promise<IssuerDisputeRow[]> {
    return this.#deps.db.all<IssuerDisputeRow>(`SELECT * FROM issuer_disputes WHERE cardholder_id = ? ORDER BY created_at_ms DESC, id DESC LIMIT ?`, [cardholderId, Math.min(limit, 100)]);
  }

  async steps(id: string): Promise<DisputeStep[]> {
    const rows = await this.#deps.db.all<{ step: string; detail: string; amount_minor: number | string | null; at_ms: number | string }>(
      `SELECT step, detail, amount_minor, at_ms FROM issuer_dispute_steps WHERE dispute_id = ? ORDER BY seq`,
      [id],
    );
    return rows.map((r) => ({ step: r.step, detail: r.detail, amount_minor: r.amount_minor === null ? null : Number(r.amount_minor), at_ms: Number(r.at_ms) }));
  }

  /** Re-sends chargebacks and decisions the network could not take; returns how many got an answer. */
  async sweep(): Promise<number> {
    const rows = await this.#deps.db.all<{ id: string; status: string }>(`SELECT id, status FROM issuer_disputes WHERE status IN ('opening', 'deciding') ORDER BY id LIMIT ${SWEEP_LIMIT}`);
    let answered = 0;
    for (const row of rows) if (await (row.status === 'opening' ? this.#sendChargeback(row.id) : this.#sendDecision(row.id))) answered += 1;
    return answered;
  }

  async #sendChargeback(id: string): Promise<boolean> {
    const { db, clock, ledger } = this.#deps;
    const row = await this.get(db, id);
    if (!row || row.status !== 'opening' || this.#network === null) return false;
    const reply = await this.#network.chargeback({
      type: 'chargeback',
      id: row.id,
      sender: ISSUER_NAME,
      originalId: row.network_original_id,
      kind: 'chargeback',
      category: row.category,
      reasonCode: row.reason_code,
      amount: row.network_amount_minor === null ? { minor: Number(row.amount_minor), currency: row.currency } : { minor: Number(row.network_amount_minor), currency: row.network_currency! },
      cardholderStatement: row.statement,
      respondByMs: Number(row.respond_by_ms),
      sentAtMs: clock.nowMs(),
    });
    if (reply.responseCode === '91' || reply.responseCode === '96') return false;
    await db.transaction(async (tx) => {
      const locked = await lockDispute(tx, id);
      if (!locked || locked.status !== 'opening') return;
      const nowMs = clock.nowMs();
      if (reply.responseCode === '00') {
        await tx.run(`UPDATE issuer_disputes SET status = 'chargeback_sent', updated_at_ms = ? WHERE id = ?`, [nowMs, id]);
        await bookChargebackTaken(ledger, tx, money(locked));
        await this.#step(tx, id, 'chargeback_sent', 'The chargeback was sent to the merchant’s bank; the merchant has 7 days to answer.', Number(locked.amount_minor), nowMs);
      } else if (reply.reason === LIABILITY_SHIFTED) {
        // The payment was authenticated with 3-D Secure: the fraud liability is the issuer's. It keeps the loss, the cardholder the money.
        const provisional = Number(locked.provisional_credit_minor) > 0;
        await tx.run(`UPDATE issuer_disputes SET status = 'won', winner = 'cardholder', decided_by = 'liability_shift', closed_at_ms = ?, updated_at_ms = ? WHERE id = ?`, [nowMs, nowMs, id]);
        await bookIssuerLiability(ledger, tx, money(locked), provisional);
        await this.#step(tx, id, 'won', 'The payment was confirmed with 3-D Secure, so the card network does not charge it back to the merchant: the issuer bears the fraud, and the money is yours.', Number(locked.amount_minor), nowMs);
      } else {
        await tx.run(`UPDATE issuer_disputes SET status = 'rejected', closed_at_ms = ?, updated_at_ms = ? WHERE id = ?`, [nowMs, nowMs, id]);
        const provisional = Number(locked.provisional_credit_minor) > 0;
        await bookMerchantWon(ledger, tx, money(locked), provisional, false);
        await this.#step(tx, id, 'rejected', `The card network refused the chargeback (${reply.reason})${provisional ? '; the provisional credit was reversed' : ''}.`, null, nowMs);
      }
    });
    return true;
  }

  async #sendDecision(id: string): Promise<boolean> {
    const { db, clock, ledger } = this.#deps;
    const row = await this.get(db, id);
    if (!row || row.status !== 'deciding' || this.#network === null || row.winner === null) return false;
    const reply = await this.#network.decide({ type: 'dispute_decision', id: `${row.id}:decision`, sender: ISSUER_NAME, chargebackId: row.id, winner: row.winner, sentAtMs: clock.nowMs() });
    if (reply.responseCode === '91' || reply.responseCode === '96') return false;
    // The decision is the issuer's to make: the network's answer only says the merchant's bank was told.
    await db.transaction(async (tx) => {
      const locked = await lockDispute(tx, id);
      if (!locked || locked.status !== 'deciding') return;
      const nowMs = clock.nowMs();
      const provisional = Number(locked.provisional_credit_minor) > 0;
      await close(tx, locked, locked.winner!, nowMs);
      if (locked.winner === 'cardholder') {
        await bookCardholderWon(ledger, tx, money(locked), provisional);
        await this.#step(tx, id, 'won', 'You won the dispute: the money is yours.', Number(locked.amount_minor), nowMs);
      } else {
        const writtenOff = await bookMerchantWon(ledger, tx, money(locked), provisional, true);
        const detail = provisional
          ? `The merchant won the dispute: the provisional credit was reversed${writtenOff > 0 ? ` (${writtenOff} cents the card no longer had were written off by the issuer)` : ''}.`
          : 'The merchant won the dispute.';
        await this.#step(tx, id, 'lost', detail, null, nowMs);
      }
    });
    return true;
  }
}

/**
 * The part of `wholeOther` (a payment's disputable amount in its own currency) that `part` is of `whole` (the same
 * in USD cents): all of it for a whole dispute, else rounded half up — fixed when the case opens.
 */
function shareOf(part: number, whole: number, wholeOther: number): number {
  if (part >= whole || wholeOther <= 0) return Math.max(wholeOther, 0);
  const share = (BigInt(part) * BigInt(wholeOther) * 2n + BigInt(whole)) / (2n * BigInt(whole));
  return Math.min(wholeOther, Math.max(1, Number(share)));
}

function money(row: Pick<IssuerDisputeRow, 'id' | 'card_id' | 'cardholder_id' | 'amount_minor'>): DisputeMoney {
  return { disputeId: row.id, cardId: row.card_id, cardholderId: row.cardholder_id, amountMinor: Number(row.amount_minor) };
}

async function lockCard(tx: Tx, cardId: string): Promise<void> {
  await tx.get(`SELECT id FROM issuer_cards WHERE id = ? ${tx.forUpdate}`, [cardId]);
}

function lockDispute(tx: Tx, id: string): Promise<IssuerDisputeRow | undefined> {
  return tx.get<IssuerDisputeRow>(`SELECT * FROM issuer_disputes WHERE id = ? ${tx.forUpdate}`, [id]);
}

async function close(tx: Tx, row: IssuerDisputeRow, winner: 'cardholder' | 'merchant', nowMs: number): Promise<void> {
  await tx.run(`UPDATE issuer_disputes SET status = ?, winner = ?, closed_at_ms = ?, updated_at_ms = ? WHERE id = ?`, [winner === 'cardholder' ? 'won' : 'lost', winner, nowMs, nowMs, row.id]);
}

async function recordStep(tx: Tx, disputeId: string, name: string, detail: string, amountMinor: number | null, nowMs: number): Promise<void> {
  await tx.run(`INSERT INTO issuer_dispute_steps (dispute_id, step, detail, amount_minor, at_ms) VALUES (?, ?, ?, ?, ?)`, [disputeId, name, detail, amountMinor, nowMs]);
}
