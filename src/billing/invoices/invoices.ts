import type { Sql, Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Receipt } from '../payments/receipts.ts';
import { addressLines, readBillingProfile } from './billing-profile.ts';

/**
 * An invoice for every successful payment (credit purchases, recharges,
 * subscription payments and renewals), issued in the transaction that
 * records the payment. Numbers run per organization — `INV-<org>-000001`,
 * as Stripe numbers a customer's invoices — from a counter row whose update
 * locks it: concurrent payments take consecutive numbers, and a rolled-back
 * payment takes none, so there are no gaps.
 *
 * Prices include tax: the card paid the total; the invoice splits it into
 * net and tax at the rate of the billing country (config `taxRatesBps`),
 * tax = round(total × rate / (1 + rate)) in whole cents.
 */

/** The plan and the period a subscription payment paid (the period's start and end, epoch ms). */
export interface SubscriptionPeriod {
  readonly plan: string;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * What the invoice's one line bills, as data a reader's page words in its language: the payment's kind (`purchase`,
 * `auto_recharge`, `subscription`) and, for a subscription, the period paid — null on invoices issued before it was kept.
 */
export interface InvoiceLine {
  readonly kind: string;
  readonly subscription: SubscriptionPeriod | null;
}

export interface Invoice {
  readonly id: string;
  readonly orgId: string;
  readonly sequence: number;
  readonly number: string;
  readonly attemptId: string;
  /** The line in English, as issued (kept as data; pages word `line` in their reader's language). */
  readonly description: string;
  readonly line: InvoiceLine;
  readonly currency: string;
  readonly subtotalMinor: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
  readonly taxRateBps: number;
  readonly billTo: { readonly name: string; readonly address: readonly string[]; readonly country: string; readonly taxId: string | null } | null;
  readonly card: string;
  readonly issuedAtMs: number;
  /** What succeeded refunds of the payment gave back (0 when issued): the invoice stays, its status says it. */
  readonly refundedMinor: number;
}

export type InvoiceStatus = 'paid' | 'partially_refunded' | 'refunded';

/** Paid on issue (an invoice is issued for a successful payment only); refunds of the payment show here, as Stripe shows them beside a paid invoice. */
export function invoiceStatus(invoice: Pick<Invoice, 'totalMinor' | 'refundedMinor'>): InvoiceStatus {
  if (invoice.refundedMinor === 0) return 'paid';
  return invoice.refundedMinor >= invoice.totalMinor ? 'refunded' : 'partially_refunded';
}

/** The tax included in a total at a rate in basis points, in whole cents. */
export function includedTax(totalMinor: number, rateBps: number): number {
  if (rateBps === 0) return 0;
  // Integer arithmetic, rounded half up: the totals involved are far below 2^53 / 10,000.
  return Math.floor((totalMinor * rateBps * 2 + (10_000 + rateBps)) / (2 * (10_000 + rateBps)));
}

export async function issueInvoice(tx: Tx, deps: { ids: IdGenerator; taxRatesBps: Readonly<Record<string, number>> }, receipt: Receipt, line: InvoiceLine): Promise<Invoice> {
  const existing = await invoiceForAttempt(tx, receipt.attemptId);
  if (existing !== null) return existing;
  const counter = await tx.get<{ last_number: number | string }>(
    `INSERT INTO billing_invoice_counters (org_id, last_number) VALUES (?, 1)
     ON CONFLICT (org_id) DO UPDATE SET last_number = billing_invoice_counters.last_number + 1 RETURNING last_number`,
    [receipt.orgId],
  );
  const sequence = Number(counter!.last_number);
  const profile = await readBillingProfile(tx, receipt.orgId);
  const taxRateBps = profile === null ? 0 : (deps.taxRatesBps[profile.country] ?? 0);
  const taxMinor = includedTax(receipt.amountMinor, taxRateBps);
  const invoice: Invoice = {
    id: deps.ids.next('inv'),
    orgId: receipt.orgId,
    sequence,
    number: `INV-${receipt.orgId.slice(-6).toUpperCase()}-${String(sequence).padStart(6, '0')}`,
    attemptId: receipt.attemptId,
    description: receipt.description,
    line,
    currency: receipt.currency,
    subtotalMinor: receipt.amountMinor - taxMinor,
    taxMinor,
    totalMinor: receipt.amountMinor,
    taxRateBps,
    billTo: profile === null ? null : { name: profile.name, address: addressLines(profile), country: profile.country, taxId: profile.taxId },
    card: `${receipt.cardBrand} •••• ${receipt.cardLast4}`,
    issuedAtMs: receipt.paidAtMs,
    refundedMinor: 0,
  };
  await tx.run(
    `INSERT INTO billing_invoices (id, org_id, sequence, number, attempt_id, kind, description, plan_name, period_start_ms, period_end_ms, currency, subtotal_minor, tax_minor,
       total_minor, tax_rate_bps, bill_to_name, bill_to_address, bill_to_country, bill_to_tax_id, card_brand, card_last4, issued_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      invoice.id,
      invoice.orgId,
      sequence,
      invoice.number,
      invoice.attemptId,
      line.kind,
      invoice.description,
      line.subscription?.plan ?? null,
      line.subscription?.startMs ?? null,
      line.subscription?.endMs ?? null,
      invoice.currency,
      invoice.subtotalMinor,
      invoice.taxMinor,
      invoice.totalMinor,
      taxRateBps,
      invoice.billTo?.name ?? null,
      invoice.billTo === null ? null : invoice.billTo.address.join('\n'),
      invoice.billTo?.country ?? null,
      invoice.billTo?.taxId ?? null,
      receipt.cardBrand,
      receipt.cardLast4,
      invoice.issuedAtMs,
    ],
  );
  return invoice;
}

// Refunds still being sent are not counted: only what the card got back.
const COLUMNS = `id, org_id, sequence, number, attempt_id, kind, description, plan_name, period_start_ms, period_end_ms, currency, subtotal_minor, tax_minor, total_minor, tax_rate_bps, bill_to_name, bill_to_address, bill_to_country, bill_to_tax_id, card_brand, card_last4, issued_at_ms,
  (SELECT COALESCE(SUM(r.amount_minor), 0) FROM billing_refunds r WHERE r.attempt_id = billing_invoices.attempt_id AND r.status = 'succeeded') AS refunded_minor`;

function fromRow(row: any): Invoice {
  return {
    id: row.id,
    orgId: row.org_id,
    sequence: Number(row.sequence),
    number: row.number,
    attemptId: row.attempt_id,
    description: row.description,
    line: {
      kind: row.kind,
      subscription: row.period_start_ms === null ? null : { plan: row.plan_name, startMs: Number(row.period_start_ms), endMs: Number(row.period_end_ms) },
    },
    currency: row.currency,
    subtotalMinor: Number(row.subtotal_minor),
    taxMinor: Number(row.tax_minor),
    totalMinor: Number(row.total_minor),
    taxRateBps: Number(row.tax_rate_bps),
    billTo: row.bill_to_name === null ? null : { name: row.bill_to_name, address: String(row.bill_to_address ?? '').split('\n'), country: row.bill_to_country, taxId: row.bill_to_tax_id },
    card: `${row.card_brand} •••• ${row.card_last4}`,
    issuedAtMs: Number(row.issued_at_ms),
    refundedMinor: Number(row.refunded_minor),
  };
}

export async function invoiceForAttempt(sql: Sql, attemptId: string): Promise<Invoice | null> {
  const row = await sql.get(`SELECT ${COLUMNS} FROM billing_invoices WHERE attempt_id = ?`, [attemptId]);
  return row === undefined ? null : fromRow(row);
}

export async function findInvoice(sql: Sql, orgId: string, id: string): Promise<Invoice | null> {
  const row = await sql.get(`SELECT ${COLUMNS} FROM billing_invoices WHERE id = ? AND org_id = ?`, [id, orgId]);
  return row === undefined ? null : fromRow(row);
}

export async function listInvoices(sql: Sql, orgId: string, limit: number): Promise<Invoice[]> {
  return (await sql.all(`SELECT ${COLUMNS} FROM billing_invoices WHERE org_id = ? ORDER BY sequence DESC LIMIT ?`, [orgId, limit])).map(fromRow);
}
