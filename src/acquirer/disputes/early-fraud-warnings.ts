import type { Sql, Tx } from '../../platform/db/database.ts';
import type { DisputeMessageResponse, FraudReportRequest } from '../../network/messages.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { recordEvent } from '../events/events.ts';
import { chargeFromRow, CHARGE_COLUMNS } from '../payments/charge-store.ts';

/**
 * Stripe's early fraud warnings. The card's issuer reports a payment as
 * fraud (Visa TC40 / Mastercard SAFE) through the network; the acquirer
 * records one warning per charge and tells the merchant
 * (`radar.early_fraud_warning.created`), who may refund before a chargeback
 * comes. No money moves. A warning is `actionable` while the charge is
 * neither refunded in full nor disputed — read from the charge, so it is
 * never stale; the change is announced as `radar.early_fraud_warning.updated`.
 */

export interface EarlyFraudWarningRow {
  id: string;
  merchant_id: string;
  charge_id: string;
  payment_intent_id: string | null;
  network_report_id: string;
  fraud_type: string;
  created_at_ms: number | string;
}

export const EARLY_FRAUD_WARNING_COLUMNS = 'id, merchant_id, charge_id, payment_intent_id, network_report_id, fraud_type, created_at_ms';

/** Stripe's `radar.early_fraud_warning` object. */
export async function earlyFraudWarningObject(sql: Sql, row: EarlyFraudWarningRow): Promise<Record<string, unknown> & { id: string }> {
  return {
    id: row.id,
    object: 'radar.early_fraud_warning',
    actionable: await actionable(sql, row.charge_id),
    charge: row.charge_id,
    created: Math.floor(Number(row.created_at_ms) / 1000),
    fraud_type: row.fraud_type,
    livemode: false,
    payment_intent: row.payment_intent_id,
  };
}

async function actionable(sql: Sql, chargeId: string): Promise<boolean> {
  const charge = await sql.get<{ amount_captured_minor: number | string; amount_refunded_minor: number | string; disputed: number | string | null }>(
    `SELECT c.amount_captured_minor, c.amount_refunded_minor, (SELECT COUNT(*) FROM acquirer_disputes d WHERE d.charge_id = c.id AND d.kind = 'chargeback') AS disputed
     FROM acquirer_charges c WHERE c.id = ?`,
    [chargeId],
  );
  if (!charge) return false;
  return Number(charge.disputed ?? 0) === 0 && Number(charge.amount_refunded_minor) < Number(charge.amount_captured_minor);
}

const reply = (id: string, code: '00' | '12', reason: string, ref: string | null = null): DisputeMessageResponse => ({
  type: 'dispute_response',
  id,
  responseCode: code,
  reason,
  receiverRef: ref,
  decidedBy: 'issuer',
});

/** The network delivers a fraud report: one warning per charge (a repeat, or a second report of the charge, is answered with the first). */
export async function receiveFraudReport(deps: AcquirerDeps, request: FraudReportRequest): Promise<DisputeMessageResponse> {
  const nowMs = deps.clock.nowMs();
  return deps.db.transaction(async (tx) => {
    const chargeRow = await tx.get<any>(`SELECT ${CHARGE_COLUMNS} FROM acquirer_charges WHERE network_id = ? ${tx.forUpdate}`, [request.originalId]);
    if (chargeRow === undefined) return reply(request.id, '12', 'unknown_original');
    const charge = chargeFromRow(chargeRow);
    const existing = await tx.get<{ id: string }>(`SELECT id FROM acquirer_early_fraud_warnings WHERE charge_id = ? OR network_report_id = ?`, [charge.id, request.id]);
    if (existing) return reply(request.id, '00', 'already_warned', existing.id);
    const id = deps.ids.next('issfr');
    await tx.run(`INSERT INTO acquirer_early_fraud_warnings (${EARLY_FRAUD_WARNING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
      id, charge.merchantId, charge.id, charge.paymentIntentId, request.id, request.fraudType, nowMs,
    ]);
    const row = (await tx.get<EarlyFraudWarningRow>(`SELECT ${EARLY_FRAUD_WARNING_COLUMNS} FROM acquirer_early_fraud_warnings WHERE id = ?`, [id]))!;
    await recordEvent(tx, { ids: deps.ids, nowMs }, { merchantId: charge.merchantId, type: 'radar.early_fraud_warning.created', object: await earlyFraudWarningObject(tx, row) });
    return reply(request.id, '00', 'warned', id);
  });
}

/**
 * Called in the transaction that disputes or refunds a charge: if the charge
 * has a warning that was actionable before, the merchant is told it no longer is.
 */
export async function earlyFraudWarningMayHaveChanged(tx: Tx, deps: Pick<AcquirerDeps, 'ids'>, nowMs: number, chargeId: string, wasActionable: boolean): Promise<void> {
  if (!wasActionable) return;
  const row = await tx.get<EarlyFraudWarningRow>(`SELECT ${EARLY_FRAUD_WARNING_COLUMNS} FROM acquirer_early_fraud_warnings WHERE charge_id = ?`, [chargeId]);
  if (!row) return;
  const object = await earlyFraudWarningObject(tx, row);
  if (object.actionable === true) return;
  await recordEvent(tx, { ids: deps.ids, nowMs }, { merchantId: row.merchant_id, type: 'radar.early_fraud_warning.updated', object, previousAttributes: { actionable: true } });
}

/** Whether the charge's warning (if any) is actionable now: read before a change, to tell afterwards whether it flipped. */
export async function warningActionable(sql: Sql, chargeId: string): Promise<boolean> {
  const row = await sql.get<{ id: string }>(`SELECT id FROM acquirer_early_fraud_warnings WHERE charge_id = ?`, [chargeId]);
  return row !== undefined && (await actionable(sql, chargeId));
}
