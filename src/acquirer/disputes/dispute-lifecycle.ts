import type { Tx } from '../../platform/db/database.ts';
import type {
  ChargebackRequest,
  DisputeAcquirerEndpoint,
  DisputeDecisionRequest,
  DisputeMessageResponse,
  IsoResponseCode,
} from '../../network/messages.ts';
import { DISPUTE_REASONS } from '../../network/index.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { recordEvent } from '../events/events.ts';
import type { EventType } from '../events/event-types.ts';
import { chargeObject } from '../payments/charge-object.ts';
import { findPaymentMethod } from '../payments/payment-method-store.ts';
import { chargeFromRow, CHARGE_COLUMNS } from '../payments/charge-store.ts';
import { getMerchant } from '../merchants/merchants.ts';
import { bookReinstatement, bookWithdrawal, disputeFeeFor } from './dispute-ledger.ts';
import { earlyFraudWarningMayHaveChanged, receiveFraudReport, warningActionable } from './early-fraud-warnings.ts';
import { DISPUTE_COLUMNS, disputeObject, disputeOfChargeback, isClosed, updateDispute, type DisputeRow, type DisputeStatus, type Evidence } from './dispute-store.ts';

/**
 * The acquirer's side of a dispute. The network delivers a chargeback: the
 * dispute is opened on the charge (under the charge's lock, so a refund and a
 * chargeback can never together take back more than was captured) and the
 * disputed amount and the fee leave the merchant's balance. The merchant
 * answers with evidence (→ a representment to the issuer) or accepts; no
 * answer by `due_by` is an acceptance. The issuer's decision closes it: won
 * reinstates amount and fee, lost keeps them withdrawn. Every step is one
 * transaction with its ledger postings and its events; messages to the
 * network go after the commit, with ids derived from the dispute's, and are
 * re-sent until the network has taken them.
 */

const answer = (id: string, code: IsoResponseCode, reason: string, ref: string | null = null): DisputeMessageResponse => ({
  type: 'dispute_response',
  id,
  responseCode: code,
  reason,
  receiverRef: ref,
  decidedBy: 'issuer',
});

async function event(tx: Tx, deps: AcquirerDeps, nowMs: number, row: DisputeRow, type: EventType, previous?: Record<string, unknown>): Promise<void> {
  await recordEvent(tx, { ids: deps.ids, nowMs }, { merchantId: row.merchant_id, type, object: disputeObject(row), ...(previous ? { previousAttributes: previous } : {}) });
}

async function reread(tx: Tx, id: string): Promise<DisputeRow> {
  return (await tx.get<DisputeRow>(`SELECT ${DISPUTE_COLUMNS} FROM acquirer_disputes WHERE id = ?`, [id]))!;
}

const entry = (row: DisputeRow) => ({
  disputeId: row.id, merchantId: row.merchant_id, currency: row.currency, amountMinor: Number(row.amount_minor), feeMinor: Number(row.fee_minor), feeCurrency: row.fee_currency ?? row.currency,
});

export function disputeEndpointFor(deps: AcquirerDeps): DisputeAcquirerEndpoint {
  return {
    acquirerId: deps.acquirerId,
    receiveChargeback: (request) => receiveChargeback(deps, request),
    receiveDecision: (request) => receiveDecision(deps, request),
    receiveFraudReport: (request) => receiveFraudReport(deps, request),
  };
}

async function receiveChargeback(deps: AcquirerDeps, request: ChargebackRequest): Promise<DisputeMessageResponse> {
  const nowMs = deps.clock.nowMs();
  return deps.db.transaction(async (tx) => {
    const chargeRow = await tx.get<any>(`SELECT ${CHARGE_COLUMNS} FROM acquirer_charges WHERE network_id = ? ${tx.forUpdate}`, [request.originalId]);
    const repeat = await disputeOfChargeback(tx, request.id);
    if (repeat) return answer(request.id, '00', 'opened', repeat.id);
    if (chargeRow === undefined) return answer(request.id, '12', 'unknown_original');
    const charge = chargeFromRow(chargeRow);
    if (charge.amountCapturedMinor === 0) return answer(request.id, '91', 'not_captured_yet');
    if (request.amount.currency.toLowerCase() !== charge.currency.toLowerCase()) return answer(request.id, '12', 'currency_mismatch');
    const existing = await tx.get<{ id: string }>(`SELECT id FROM acquirer_disputes WHERE charge_id = ?`, [charge.id]);
    if (existing) return answer(request.id, '12', 'already_disputed');
    // Refunds (even pending ones) are reserved on the charge under this same lock.
    if (request.amount.minor > charge.amountCapturedMinor - charge.amountRefundedMinor) return answer(request.id, '13', 'exceeds_disputable');
    const pm = await findPaymentMethod(tx, charge.merchantId, charge.paymentMethodId);
    const warned = await warningActionable(tx, charge.id);
    const id = deps.ids.next('du');
    const inquiry = request.kind === 'inquiry';
    // The fee is taken in the merchant's settlement currency, as Stripe takes it, whatever the charge's currency.
    const merchant = await getMerchant(tx, charge.merchantId);
    const fee = disputeFeeFor(merchant?.defaultCurrency ?? charge.currency);
    await tx.run(`INSERT INTO acquirer_disputes (${DISPUTE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      id, charge.merchantId, charge.id, charge.paymentIntentId, request.id, request.kind, DISPUTE_REASONS[request.category].stripeReason,
      request.reasonCode, pm?.brand ?? 'unknown', request.amount.minor, inquiry ? 0 : fee.minor, charge.currency,
      inquiry ? 'warning_needs_response' : 'needs_response', inquiry ? 'none' : 'withdrawn', '{}', 0, request.respondByMs, 'none', null, '{}', nowMs, null,
      fee.currency.toLowerCase(),
    ]);
    const row = await reread(tx, id);
    if (!inquiry) await bookWithdrawal(deps.ledger, tx, entry(row));
    await event(tx, deps, nowMs, row, 'charge.dispute.created');
    if (!inquiry) await event(tx, deps, nowMs, row, 'charge.dispute.funds_withdrawn');
    await recordEvent(tx, { ids: deps.ids, nowMs }, { merchantId: row.merchant_id, type: 'charge.updated', object: await chargeObject(tx, charge), previousAttributes: { disputed: false } });
    await earlyFraudWarningMayHaveChanged(tx, deps, nowMs, charge.id, warned);
    return answer(request.id, '00', 'opened', id);
  });
}

async function receiveDecision(deps: AcquirerDeps, request: DisputeDecisionRequest): Promise<DisputeMessageResponse> {
  const nowMs = deps.clock.nowMs();
  return deps.db.transaction(async (tx) => {
    const row = await disputeOfChargeback(tx, request.chargebackId, true);
    if (!row) return answer(request.id, '12', 'unknown_chargeback');
    if (isClosed(row.status)) return answer(request.id, '00', 'already_closed', row.id);
    if (row.status !== 'under_review' && row.status !== 'warning_under_review') return answer(request.id, '12', 'not_under_review');
    const merchantWon = request.winner === 'merchant';
    const status: DisputeStatus = row.kind === 'inquiry' ? 'warning_closed' : merchantWon ? 'won' : 'lost';
    const reinstate = merchantWon && row.funds === 'withdrawn';
    await updateDispute(tx, row.id, { status, closed_at_ms: nowMs, ...(reinstate ? { funds: 'reinstated' } : {}) });
    const closed = await reread(tx, row.id);
    if (reinstate) {
      await bookReinstatement(deps.ledger, tx, entry(closed));
      await event(tx, deps, nowMs, closed, 'charge.dispute.funds_reinstated');
    }
    await event(tx, deps, nowMs, closed, 'charge.dispute.closed', { status: row.status });
    return answer(request.id, '00', 'closed', row.id);
  });
}

/**
 * The merchant's answer, recorded: `represent` (evidence submitted) puts it
 * under review, `accept` (closed by the merchant, or the deadline passed)
 * loses it. The representment itself goes to the network after the commit.
 */
export async function answerDispute(
  tx: Tx,
  deps: AcquirerDeps,
  nowMs: number,
  row: DisputeRow,
  action: 'represent' | 'accept',
  change: { evidence?: Evidence; metadata?: Record<string, string> } = {},
): Promise<DisputeRow> {
  const inquiry = row.kind === 'inquiry';
  const status: DisputeStatus = action === 'represent' ? (inquiry ? 'warning_under_review' : 'under_review') : inquiry ? 'warning_closed' : 'lost';
  await updateDispute(tx, row.id, {
    status,
    representment: 'pending',
    representment_action: action,
    ...(action === 'represent' ? { submission_count: Number(row.submission_count) + 1 } : { closed_at_ms: nowMs }),
    ...(change.evidence ? { evidence: JSON.stringify(change.evidence) } : {}),
    ...(change.metadata ? { metadata: JSON.stringify(change.metadata) } : {}),
  });
  const next = await reread(tx, row.id);
  await event(tx, deps, nowMs, next, action === 'accept' ? 'charge.dispute.closed' : 'charge.dispute.updated', { status: row.status });
  return next;
}

/** Sends the representment a dispute owes the network (a repeat if it was sent before); true once the network took it. */
export async function sendRepresentment(deps: AcquirerDeps, disputeId: string): Promise<boolean> {
  const row = await deps.db.get<DisputeRow>(`SELECT ${DISPUTE_COLUMNS} FROM acquirer_disputes WHERE id = ?`, [disputeId]);
  if (!row || row.representment !== 'pending' || deps.disputes === undefined) return false;
  const evidence = Object.fromEntries(Object.entries(JSON.parse(row.evidence) as Evidence).filter(([, v]) => typeof v === 'string' && v !== '')) as Record<string, string>;
  const reply = await deps.disputes.represent({
    type: 'representment',
    id: `${row.id}:representment`,
    sender: deps.acquirerId,
    chargebackId: row.network_chargeback_id,
    action: row.representment_action ?? 'accept',
    evidence,
    sentAtMs: deps.clock.nowMs(),
  });
  if (reply.responseCode === '91' || reply.responseCode === '96') return false;
  // Any other answer is final for this message (a refusal is kept in the network's records for the doctor).
  await deps.db.run(`UPDATE acquirer_disputes SET representment = 'sent' WHERE id = ? AND representment = 'pending'`, [row.id]);
  return true;
}

/** Disputes past `due_by` without an answer are lost (inquiries close), and representments the network could not take are sent again. */
export async function sweepDisputes(deps: AcquirerDeps, nowMs: number, limit = 100): Promise<number> {
  const due = await deps.db.all<{ id: string; merchant_id: string }>(
    `SELECT id, merchant_id FROM acquirer_disputes WHERE status IN ('needs_response', 'warning_needs_response') AND due_by_ms <= ? ORDER BY due_by_ms LIMIT ${limit}`,
    [nowMs],
  );
  let changed = 0;
  for (const { id } of due) {
    const expired = await deps.db.transaction(async (tx) => {
      const row = (await tx.get<DisputeRow>(`SELECT ${DISPUTE_COLUMNS} FROM acquirer_disputes WHERE id = ? ${tx.forUpdate}`, [id]))!;
      if (row.status !== 'needs_response' && row.status !== 'warning_needs_response') return false;
      if (Number(row.due_by_ms) > nowMs) return false;
      await answerDispute(tx, deps, nowMs, row, 'accept');
      return true;
    });
    if (expired) changed += 1;
  }
  const unsent = await deps.db.all<{ id: string }>(`SELECT id FROM acquirer_disputes WHERE representment = 'pending' ORDER BY id LIMIT ${limit}`);
  for (const { id } of unsent) if (await sendRepresentment(deps, id)) changed += 1;
  return changed;
}
