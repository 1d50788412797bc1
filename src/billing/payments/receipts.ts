import type { Sql, Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { issueInvoice, type SubscriptionPeriod } from '../invoices/invoices.ts';
import { ATTEMPT_DESCRIPTIONS, type PaymentAttempt } from './payment-attempts.ts';

/**
 * A receipt for every successful payment, numbered per organization
 * without gaps (`<org suffix>-0001`, …): the organization row is locked
 * while the next number is taken, so concurrent payments cannot share one.
 */

export interface Receipt {
  readonly id: string;
  readonly orgId: string;
  readonly number: string;
  readonly attemptId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly description: string;
  readonly cardBrand: string;
  readonly cardLast4: string;
  readonly paidAtMs: number;
}


/**
 * The receipt, and with it the payment's invoice (invoices.ts), in the payment's transaction. A subscription payment
 * names the period it paid (its receipt says so; its invoice keeps it as data too, for pages in other languages).
 */
export async function issueReceipt(
  tx: Tx,
  deps: { ids: IdGenerator; config: { readonly taxRatesBps: Readonly<Record<string, number>> } },
  attempt: PaymentAttempt,
  subscription: SubscriptionPeriod | null = null,
): Promise<Receipt> {
  const description = subscription === null ? ATTEMPT_DESCRIPTIONS[attempt.kind] : subscriptionDescription(subscription);
  const { ids } = deps;
  await tx.get(`SELECT id FROM billing_organizations WHERE id = ? ${tx.forUpdate}`, [attempt.orgId]);
  const count = await tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM billing_receipts WHERE org_id = ?', [attempt.orgId]);
  const card = await tx.get<{ brand: string; last4: string }>('SELECT brand, last4 FROM billing_payment_methods WHERE id = ?', [attempt.paymentMethodId]);
  const receipt: Receipt = {
    id: ids.next('rcpt'),
    orgId: attempt.orgId,
    number: `${attempt.orgId.slice(-6).toUpperCase()}-${String(Number(count?.n ?? 0) + 1).padStart(4, '0')}`,
    attemptId: attempt.id,
    amountMinor: attempt.amountMinor,
    currency: attempt.currency,
    description,
    cardBrand: card?.brand ?? 'card',
    cardLast4: card?.last4 ?? '????',
    paidAtMs: attempt.finishedAtMs ?? attempt.createdAtMs,
  };
  await tx.run(
    `INSERT INTO billing_receipts (id, org_id, number, attempt_id, amount_minor, currency, description, card_brand, card_last4, paid_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [receipt.id, receipt.orgId, receipt.number, receipt.attemptId, receipt.amountMinor, receipt.currency, receipt.description, receipt.cardBrand, receipt.cardLast4, receipt.paidAtMs],
  );
  await issueInvoice(tx, { ids, taxRatesBps: deps.config.taxRatesBps }, receipt, { kind: attempt.kind, subscription });
  return receipt;
}

/** "Plus subscription, 2025-03-01 to 2025-04-01" (UTC days): the receipt's words, in English as billing's data is. */
function subscriptionDescription(period: SubscriptionPeriod): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return `${period.plan} subscription, ${day(period.startMs)} to ${day(period.endMs)}`;
}

const COLUMNS = 'id, org_id, number, attempt_id, amount_minor, currency, description, card_brand, card_last4, paid_at_ms';

function fromRow(row: any): Receipt {
  return {
    id: row.id,
    orgId: row.org_id,
    number: row.number,
    attemptId: row.attempt_id,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    description: row.description,
    cardBrand: row.card_brand,
    cardLast4: row.card_last4,
    paidAtMs: Number(row.paid_at_ms),
  };
}

export async function listReceipts(sql: Sql, orgId: string, limit: number): Promise<Receipt[]> {
  return (await sql.all(`SELECT ${COLUMNS} FROM billing_receipts WHERE org_id = ? ORDER BY paid_at_ms DESC, id DESC LIMIT ?`, [orgId, limit])).map(fromRow);
}

export async function receiptForAttempt(sql: Sql, attemptId: string): Promise<Receipt | null> {
  const row = await sql.get(`SELECT ${COLUMNS} FROM billing_receipts WHERE attempt_id = ?`, [attemptId]);
  return row === undefined ? null : fromRow(row);
}
