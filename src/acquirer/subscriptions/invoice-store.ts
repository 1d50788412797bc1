import type { Sql, Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { invoicePrefix, noSuchCustomer, requireCustomer } from '../customers/customers.ts';
import { noSuchObject } from '../errors.ts';
import { recordEvent } from '../events/events.ts';
import { getMerchant } from '../merchants/merchants.ts';
import type { PaymentIntents } from '../payments/payment-intents.ts';
import { requirePaymentIntent } from '../payments/payment-intent-store.ts';
import { periodAmount, type ItemWithPrice, type SubscriptionRow } from './subscription-store.ts';

/**
 * Invoices of subscriptions: one per billed period, finalized (`open`) as
 * soon as it is made and paid by its own payment intent, made in the same
 * transaction — so an invoice always has exactly one payment, whatever
 * happens after. Shown in Stripe's current shape: `lines`, `parent`
 * (`subscription_details`), `payments` (the invoice's payment intent, where
 * the current API version keeps it; `invoice.payment_intent` is gone since 2025).
 */

export type InvoiceStatus = 'open' | 'paid';
export type BillingReason = 'subscription_create' | 'subscription_cycle';

export interface InvoiceRow {
  id: string;
  merchant_id: string;
  customer_id: string;
  subscription_id: string | null;
  number: string;
  status: InvoiceStatus;
  billing_reason: BillingReason;
  currency: string;
  amount_due_minor: number | string;
  amount_paid_minor: number | string;
  attempt_count: number | string;
  period_start_ms: number | string;
  period_end_ms: number | string;
  billed_period_start_ms: number | string;
  payment_intent_id: string;
  last_attempt_charge_id: string | null;
  collecting: number | string;
  collect_after_ms: number | string;
  customer_email: string | null;
  customer_name: string | null;
  test_clock_id: string | null;
  created_at_ms: number | string;
  finalized_at_ms: number | string;
  paid_at_ms: number | string | null;
}

export const INVOICE_COLUMNS =
  'id, merchant_id, customer_id, subscription_id, number, status, billing_reason, currency, amount_due_minor, amount_paid_minor, attempt_count, period_start_ms, period_end_ms, billed_period_start_ms, payment_intent_id, last_attempt_charge_id, collecting, collect_after_ms, customer_email, customer_name, test_clock_id, created_at_ms, finalized_at_ms, paid_at_ms';

interface LineRow {
  id: string;
  subscription_item_id: string;
  price_id: string;
  quantity: number | string;
  amount_minor: number | string;
  description: string;
  period_start_ms: number | string;
  period_end_ms: number | string;
}

/** How long the request that started a payment attempt has before the sweep may take the invoice over (server time). */
export const COLLECT_HANDOVER_MS = 60 * 1000;

const seconds = (ms: number | string | null) => (ms === null ? null : Math.floor(Number(ms) / 1000));

export async function findInvoice(sql: Sql, merchantId: string, id: string, lock = false): Promise<InvoiceRow | undefined> {
  return sql.get<InvoiceRow>(`SELECT ${INVOICE_COLUMNS} FROM acquirer_invoices WHERE merchant_id = ? AND id = ?${lock ? ` ${(sql as Tx).forUpdate}` : ''}`, [merchantId, id]);
}

export async function requireInvoice(sql: Sql, merchantId: string, id: string, param = 'id', lock = false): Promise<InvoiceRow> {
  const row = await findInvoice(sql, merchantId, id, lock);
  if (row === undefined) throw noSuchObject(`No such invoice: '${id}'`, param);
  return row;
}

export interface NewInvoice {
  /** Chosen by the caller when the subscription must name it before it exists (its created event does). */
  readonly id: string;
  readonly subscription: SubscriptionRow;
  readonly items: readonly ItemWithPrice[];
  readonly billingReason: BillingReason;
  /** The period the lines bill. */
  readonly billed: { readonly startMs: number; readonly endMs: number };
  /** The invoice's own period, as Stripe shows it: the one that just ended (the creation moment for the first invoice). */
  readonly period: { readonly startMs: number; readonly endMs: number };
  readonly paymentMethodId: string | null;
  /** The customer's time (its test clock's, if any): the invoice's `created`. */
  readonly nowMs: number;
  /** The server's time, for the sweep's hand-over. */
  readonly serverNowMs: number;
}

/**
 * Makes the invoice, its lines and its payment intent, and records
 * `invoice.created` then `invoice.finalized`. The unique (subscription,
 * billed period) index refuses a second invoice for one period whatever the
 * caller does.
 *
 * The caller holds two row locks, taken in this order: the customer's, then
 * the subscription's. Deleting a customer takes the same two in the same
 * order (it cancels the subscriptions: customers.ts, deleteCustomer), so the
 * two wait for each other and never deadlock. (Invoicing used to lock the
 * subscription first and the customer only here, for its number: at once
 * with a deletion on PostgreSQL each held the row the other wanted, and
 * PostgreSQL broke the cycle after a second by failing one, which was re-run.)
 * Customer first also means the customer cannot be deleted while its
 * subscription is invoiced: the deletion waits and then finds the
 * subscription's new period, invoiced, which it cancels with the rest.
 */
export async function createInvoice(tx: Tx, deps: { readonly ids: IdGenerator; readonly payments: PaymentIntents }, input: NewInvoice): Promise<InvoiceRow> {
  const { subscription: sub } = input;
  const customer = await requireCustomer(tx, sub.merchant_id, sub.customer_id, 'customer');
  const amount = periodAmount(input.items);
  const pi = await deps.payments.insert(
    tx,
    sub.merchant_id,
    {
      amountMinor: amount,
      currency: sub.currency,
      customerId: sub.customer_id,
      paymentMethodId: input.paymentMethodId,
      captureMethod: 'automatic',
      setupFutureUsage: null,
      // As Stripe describes an invoice's payment.
      description: input.billingReason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
      metadata: {},
    },
    input.nowMs,
  );
  // The customer's next number, taken and advanced by one statement under the customer's lock (the caller's), held
  // until this transaction ends: invoices of one customer made at once (two of its subscriptions renewing in two
  // processes) never share a number, and the cost does not grow with the customer's invoices.
  const taken = await tx.get<{ sequence: number | string }>(
    `UPDATE acquirer_customers SET next_invoice_sequence = next_invoice_sequence + 1
     WHERE merchant_id = ? AND id = ? AND deleted_at_ms IS NULL RETURNING next_invoice_sequence - 1 AS sequence`,
    [sub.merchant_id, sub.customer_id],
  );
  // A deleted customer: the callers lock it first, and a deleted one has no live subscription to invoice (its deletion
  // canceled them), so this guards a caller that did not. Nothing is invoiced or charged to a customer that is gone.
  if (taken === undefined) throw noSuchCustomer(sub.customer_id, 'customer');
  const number = `${invoicePrefix(sub.customer_id)}-${String(Number(taken.sequence)).padStart(4, '0')}`;
  await tx.run(`INSERT INTO acquirer_invoices (${INVOICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, 0, 0, ?, ?, ?, ?, NULL, 1, ?, ?, ?, ?, ?, ?, NULL)`, [
    input.id, sub.merchant_id, sub.customer_id, sub.id, number, input.billingReason, sub.currency, amount,
    input.period.startMs, input.period.endMs, input.billed.startMs, pi.id, input.serverNowMs + COLLECT_HANDOVER_MS,
    customer.email, customer.name, sub.test_clock_id, input.nowMs, input.nowMs,
  ]);
  for (const item of input.items) {
    const price = item.price;
    await tx.run(
      `INSERT INTO acquirer_invoice_lines (id, merchant_id, invoice_id, subscription_item_id, price_id, quantity, amount_minor, description, period_start_ms, period_end_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [deps.ids.next('il'), sub.merchant_id, input.id, item.id, price.id, item.quantity, Number(price.unit_amount_minor) * item.quantity, await lineDescription(tx, item), input.billed.startMs, input.billed.endMs],
    );
  }
  const row = (await findInvoice(tx, sub.merchant_id, input.id))!;
  const object = await invoiceObject(tx, row);
  const eventDeps = { ids: deps.ids, nowMs: input.nowMs };
  await recordEvent(tx, eventDeps, { merchantId: sub.merchant_id, type: 'invoice.created', object });
  await recordEvent(tx, eventDeps, { merchantId: sub.merchant_id, type: 'invoice.finalized', object });
  return row;
}

/** Stripe's line description: "1 × T-shirt (at $20.00 / month)", here without the formatted amount (that is the client's to render). */
async function lineDescription(sql: Sql, item: ItemWithPrice): Promise<string> {
  const product = await sql.get<{ name: string }>('SELECT name FROM acquirer_products WHERE id = ?', [item.price.product_id]);
  return `${item.quantity} × ${product?.name ?? item.price.product_id}`;
}


export async function invoiceObject(sql: Sql, row: InvoiceRow): Promise<Record<string, unknown> & { id: string }> {
  const [merchant, lines, pi] = [
    await getMerchant(sql, row.merchant_id),
    await sql.all<LineRow>('SELECT id, subscription_item_id, price_id, quantity, amount_minor, description, period_start_ms, period_end_ms FROM acquirer_invoice_lines WHERE invoice_id = ? ORDER BY id', [row.id]),
    await requirePaymentIntent(sql, row.merchant_id, row.payment_intent_id),
  ];
  const prices = new Map<string, string>();
  for (const line of lines) {
    const price = await sql.get<{ product_id: string }>('SELECT product_id FROM acquirer_prices WHERE id = ?', [line.price_id]);
    prices.set(line.price_id, price?.product_id ?? '');
  }
  const amountDue = Number(row.amount_due_minor);
  const amountPaid = Number(row.amount_paid_minor);
  const open = row.status === 'open';
  return {
    id: row.id,
    object: 'invoice',
    account_country: merchant?.country ?? null,
    account_name: merchant?.name ?? null,
    account_tax_ids: null,
    amount_due: amountDue,
    amount_overpaid: 0,
    amount_paid: amountPaid,
    amount_remaining: amountDue - amountPaid,
    amount_shipping: 0,
    application: null,
    attempt_count: Number(row.attempt_count),
    attempted: Number(row.attempt_count) > 0,
    auto_advance: open,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: row.billing_reason,
    collection_method: 'charge_automatically',
    created: seconds(row.created_at_ms),
    currency: row.currency,
    custom_fields: null,
    customer: row.customer_id,
    customer_account: null,
    customer_address: null,
    customer_email: row.customer_email,
    customer_name: row.customer_name,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: seconds(row.finalized_at_ms),
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: {
      object: 'list',
      data: lines.map((line) => lineObject(row, line, prices.get(line.price_id) ?? '')),
      has_more: false,
      total_count: lines.length,
      url: `/v1/invoices/${row.id}/lines`,
    },
    livemode: false,
    metadata: {},
    // Cardlane tries a renewal once when it falls due; a failed one waits for the next period or a new payment method.
    next_payment_attempt: open && Number(row.collecting) === 1 ? seconds(row.created_at_ms) : null,
    number: row.number,
    on_behalf_of: null,
    parent: { quote_details: null, subscription_details: { metadata: {}, subscription: row.subscription_id }, type: 'subscription_details' },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    payments: {
      object: 'list',
      data: [
        {
          id: `inpay_${row.id.slice(row.id.indexOf('_') + 1)}`,
          object: 'invoice_payment',
          amount_paid: pi.status === 'succeeded' ? pi.amountReceivedMinor : null,
          amount_requested: amountDue,
          created: seconds(row.created_at_ms),
          currency: row.currency,
          invoice: row.id,
          is_default: true,
          livemode: false,
          payment: { payment_intent: row.payment_intent_id, type: 'payment_intent' },
          status: pi.status === 'succeeded' ? 'paid' : pi.status === 'canceled' ? 'canceled' : 'open',
          status_transitions: { canceled_at: null, paid_at: seconds(row.paid_at_ms) },
        },
      ],
      has_more: false,
      url: `/v1/invoice_payments?invoice=${row.id}`,
    },
    period_end: seconds(row.period_end_ms),
    period_start: seconds(row.period_start_ms),
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: row.status,
    status_transitions: { finalized_at: seconds(row.finalized_at_ms), marked_uncollectible_at: null, paid_at: seconds(row.paid_at_ms), voided_at: null },
    subscription: row.subscription_id,
    subtotal: amountDue,
    subtotal_excluding_tax: amountDue,
    test_clock: row.test_clock_id,
    total: amountDue,
    total_discount_amounts: [],
    total_excluding_tax: amountDue,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: seconds(row.created_at_ms),
  };
}

function lineObject(invoice: InvoiceRow, line: LineRow, productId: string): Record<string, unknown> {
  const amount = Number(line.amount_minor);
  const quantity = Number(line.quantity);
  return {
    id: line.id,
    object: 'line_item',
    amount,
    currency: invoice.currency,
    description: line.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoice.id,
    livemode: false,
    metadata: {},
    parent: {
      invoice_item_details: null,
      subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: invoice.subscription_id, subscription_item: line.subscription_item_id },
      type: 'subscription_item_details',
    },
    period: { end: seconds(line.period_end_ms), start: seconds(line.period_start_ms) },
    pretax_credit_amounts: [],
    pricing: { price_details: { price: line.price_id, product: productId }, type: 'price_details', unit_amount_decimal: String(amount / quantity) },
    quantity,
    quantity_decimal: String(quantity),
    subscription: invoice.subscription_id,
    subtotal: amount,
    taxes: [],
  };
}
