import type { Sql } from '../../platform/db/database.ts';
import { AcquirerError } from '../errors.ts';

/** Stripe's evidence fields (all text here: file fields take a file id or text). */
export const EVIDENCE_FIELDS = [
  'access_activity_log', 'billing_address', 'cancellation_policy', 'cancellation_policy_disclosure', 'cancellation_rebuttal',
  'customer_communication', 'customer_email_address', 'customer_name', 'customer_purchase_ip', 'customer_signature',
  'duplicate_charge_documentation', 'duplicate_charge_explanation', 'duplicate_charge_id', 'product_description', 'receipt',
  'refund_policy', 'refund_policy_disclosure', 'refund_refusal_explanation', 'service_date', 'service_documentation',
  'shipping_address', 'shipping_carrier', 'shipping_date', 'shipping_documentation', 'shipping_tracking_number',
  'uncategorized_file', 'uncategorized_text',
] as const;
export type EvidenceField = (typeof EVIDENCE_FIELDS)[number];
export type Evidence = Partial<Record<EvidenceField, string>>;

export type DisputeStatus = 'warning_needs_response' | 'warning_under_review' | 'warning_closed' | 'needs_response' | 'under_review' | 'won' | 'lost';

export interface DisputeRow {
  id: string;
  merchant_id: string;
  charge_id: string;
  payment_intent_id: string | null;
  network_chargeback_id: string;
  kind: 'chargeback' | 'inquiry';
  reason: string;
  network_reason_code: string;
  brand: string;
  amount_minor: number | string;
  fee_minor: number | string;
  currency: string;
  /** The fee's currency (the merchant's settlement currency); null only on a row older than the column's migration. */
  fee_currency: string | null;
  status: DisputeStatus;
  funds: 'none' | 'withdrawn' | 'reinstated';
  evidence: string;
  submission_count: number | string;
  due_by_ms: number | string;
  representment: 'none' | 'pending' | 'sent';
  representment_action: 'represent' | 'accept' | null;
  metadata: string;
  created_at_ms: number | string;
  closed_at_ms: number | string | null;
}

export const DISPUTE_COLUMNS = `id, merchant_id, charge_id, payment_intent_id, network_chargeback_id, kind, reason, network_reason_code, brand, amount_minor,
  fee_minor, currency, status, funds, evidence, submission_count, due_by_ms, representment, representment_action, metadata, created_at_ms, closed_at_ms, fee_currency`;

export async function findDispute(sql: Sql, merchantId: string, id: string, lock = false): Promise<DisputeRow | undefined> {
  return sql.get<DisputeRow>(`SELECT ${DISPUTE_COLUMNS} FROM acquirer_disputes WHERE id = ? AND merchant_id = ? ${lock ? sql.forUpdate : ''}`, [id, merchantId]);
}

export async function requireDispute(sql: Sql, merchantId: string, id: string, lock = false): Promise<DisputeRow> {
  const row = await findDispute(sql, merchantId, id, lock);
  if (row === undefined) throw new AcquirerError('resource_missing', `No such dispute: '${id}'`, { param: 'id' });
  return row;
}

export async function disputeOfChargeback(sql: Sql, chargebackId: string, lock = false): Promise<DisputeRow | undefined> {
  return sql.get<DisputeRow>(`SELECT ${DISPUTE_COLUMNS} FROM acquirer_disputes WHERE network_chargeback_id = ? ${lock ? sql.forUpdate : ''}`, [chargebackId]);
}

export async function disputeOfCharge(sql: Sql, chargeId: string): Promise<DisputeRow | undefined> {
  return sql.get<DisputeRow>(`SELECT ${DISPUTE_COLUMNS} FROM acquirer_disputes WHERE charge_id = ?`, [chargeId]);
}

export async function updateDispute(sql: Sql, id: string, change: Partial<Pick<DisputeRow, 'status' | 'funds' | 'evidence' | 'submission_count' | 'representment' | 'representment_action' | 'metadata' | 'closed_at_ms'>>): Promise<void> {
  const keys = Object.keys(change) as Array<keyof typeof change>;
  await sql.run(`UPDATE acquirer_disputes SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`, [...keys.map((k) => change[k] ?? null), id]);
}

export function isClosed(status: DisputeStatus): boolean {
  return status === 'won' || status === 'lost' || status === 'warning_closed';
}

/** Stripe's Dispute object. */
export function disputeObject(row: DisputeRow): Record<string, unknown> & { id: string } {
  const stored = JSON.parse(row.evidence) as Evidence;
  const evidence = Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, stored[f] ?? null]));
  const amount = Number(row.amount_minor);
  const fee = Number(row.fee_minor);
  const created = Math.floor(Number(row.created_at_ms) / 1000);
  const feeCurrency = row.fee_currency ?? row.currency;
  // The fee in the charge's currency rides on the withdrawal, as at Stripe; in another currency it is a movement of its own.
  const feeApart = feeCurrency !== row.currency && fee > 0;
  const balanceTransactions: Record<string, unknown>[] = [];
  if (row.funds !== 'none') {
    balanceTransactions.push(balanceTransaction(`txn_${row.id}_w`, -amount, feeApart ? 0 : fee, row.currency, created, 'Chargeback withdrawal for ' + row.charge_id));
    if (feeApart) balanceTransactions.push(balanceTransaction(`txn_${row.id}_f`, 0, fee, feeCurrency, created, 'Dispute fee for ' + row.charge_id));
  }
  if (row.funds === 'reinstated') {
    const closed = Math.floor(Number(row.closed_at_ms ?? row.created_at_ms) / 1000);
    balanceTransactions.push(balanceTransaction(`txn_${row.id}_r`, amount, feeApart ? 0 : -fee, row.currency, closed, 'Chargeback reversal for ' + row.charge_id));
    if (feeApart) balanceTransactions.push(balanceTransaction(`txn_${row.id}_fr`, 0, -fee, feeCurrency, closed, 'Dispute fee refund for ' + row.charge_id));
  }
  return {
    id: row.id,
    object: 'dispute',
    amount,
    balance_transactions: balanceTransactions,
    charge: row.charge_id,
    created,
    currency: row.currency,
    evidence,
    evidence_details: {
      due_by: Math.floor(Number(row.due_by_ms) / 1000),
      has_evidence: Object.values(stored).some((v) => typeof v === 'string' && v !== ''),
      past_due: false,
      submission_count: Number(row.submission_count),
    },
    is_charge_refundable: row.kind === 'inquiry' && !isClosed(row.status),
    livemode: false,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    network_reason_code: row.network_reason_code,
    payment_intent: row.payment_intent_id,
    payment_method_details: { type: 'card', card: { brand: row.brand, case_type: row.kind, network_reason_code: row.network_reason_code } },
    reason: row.reason,
    status: row.status,
  };
}

function balanceTransaction(id: string, amount: number, fee: number, currency: string, created: number, description: string): Record<string, unknown> {
  return {
    id,
    object: 'balance_transaction',
    amount,
    currency,
    created,
    description,
    fee,
    fee_details: fee === 0 ? [] : [{ amount: fee, currency, description: 'Dispute fee', type: 'stripe_fee' }],
    net: amount - fee,
    reporting_category: 'dispute',
    status: 'available',
    type: 'adjustment',
  };
}
