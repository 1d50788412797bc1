import type { Sql } from '../../platform/db/database.ts';
import { withStripeDefaults } from '../stripe/stripe-defaults.ts';

/**
 * Stripe's Refund object, shared by the refund endpoints (refunds.ts) and
 * the charge that embeds its refunds (`charge.refunds`, charge-object.ts).
 * `REFUND_COLUMNS` are the table's own (what an insert writes);
 * `REFUND_READ_COLUMNS` add what the object shows from elsewhere: the
 * charge's customer and payment method, and the refund's balance transaction.
 */
export const REFUND_COLUMNS = 'id, merchant_id, charge_id, payment_intent_id, amount_minor, currency, status, reason, network_id, failure_reason, metadata, created_at_ms';

export const REFUND_READ_COLUMNS = `${REFUND_COLUMNS},
  (SELECT c.customer_id FROM acquirer_charges c WHERE c.id = acquirer_refunds.charge_id) AS customer_id,
  (SELECT c.payment_method_id FROM acquirer_charges c WHERE c.id = acquirer_refunds.charge_id) AS payment_method_id,
  (SELECT b.id FROM acquirer_balance_transactions b WHERE b.merchant_id = acquirer_refunds.merchant_id AND b.source_id = acquirer_refunds.id) AS balance_transaction_id`;

export function refundObject(row: any): Record<string, unknown> & { id: string } {
  return withStripeDefaults('refund', {
    id: row.id,
    object: 'refund',
    amount: Number(row.amount_minor),
    balance_transaction: row.balance_transaction_id ?? null,
    charge: row.charge_id,
    created: Math.floor(Number(row.created_at_ms) / 1000),
    currency: row.currency,
    customer: row.customer_id ?? null,
    // Where the money went back: the card, by the network's reference once the issuer took it.
    destination_details: {
      card: { reference: row.network_id ?? null, reference_status: row.status === 'succeeded' ? 'available' : 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
      type: 'card',
    },
    failure_reason: row.failure_reason,
    metadata: JSON.parse(row.metadata),
    payment_intent: row.payment_intent_id,
    payment_method: row.payment_method_id ?? null,
    reason: row.reason,
    status: row.status,
  });
}

/** The refunds with these ids, in the order given. */
export async function refundObjectsByIds(sql: Sql, merchantId: string, ids: readonly string[]): Promise<Record<string, unknown>[]> {
  if (ids.length === 0) return [];
  const rows = await sql.all<{ id: string }>(`SELECT ${REFUND_READ_COLUMNS} FROM acquirer_refunds WHERE merchant_id = ? AND id IN (${ids.map(() => '?').join(', ')})`, [merchantId, ...ids]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => (byId.has(id) ? [refundObject(byId.get(id))] : []));
}
