import type { Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { recordEvent } from '../events/events.ts';
import { previousAttributes } from '../events/previous-attributes.ts';
import { getMerchant } from '../merchants/merchants.ts';
import type { PaymentIntents } from '../payments/payment-intents.ts';
import { requirePaymentIntent, type PaymentIntent } from '../payments/payment-intent-store.ts';
import { timeOfCustomer } from '../test-clocks/test-clocks.ts';
import { findInvoice, invoiceObject, type InvoiceRow } from './invoice-store.ts';
import { findSubscription, saveSubscription, subscriptionItems, subscriptionObject, type SubscriptionRow } from './subscription-store.ts';

/**
 * Paying an invoice: its payment intent is confirmed off-session through the
 * ordinary payment path (risk rules, the network, the issuer, the ledger,
 * `payment_intent.*` and `charge.*` events all apply), outside any database
 * transaction; then the outcome is recorded under the invoice's lock.
 *
 * Exactly once, whoever collects (the request that made the invoice, a
 * test clock's advance, or the sweep after a crash): the intent was made
 * with the invoice, so there is only ever one; confirming an intent already
 * at the network resends the same message (a repeat at the issuer, never a
 * second charge); and the outcome is recorded only while the invoice is
 * still `collecting` — `paid` once, a decline once per attempt (its charge
 * id is kept).
 */

export interface CollectionDeps extends AcquirerDeps {
  readonly payments: PaymentIntents;
}

/** Attempts the invoice's payment if it is waiting for one, and records the outcome. */
export async function collectInvoice(deps: CollectionDeps, merchantId: string, invoiceId: string): Promise<void> {
  const invoice = await findInvoice(deps.db, merchantId, invoiceId);
  if (invoice === undefined || invoice.status !== 'open' || Number(invoice.collecting) !== 1) return;
  const merchant = await getMerchant(deps.db, merchantId);
  if (merchant === undefined) return;
  const nowMs = await timeOfCustomer(deps.db, merchantId, invoice.customer_id, deps.clock.nowMs());
  const pi = await requirePaymentIntent(deps.db, merchantId, invoice.payment_intent_id);
  if (pi.paymentMethodId !== null && awaitsAttempt(pi, invoice)) {
    try {
      await deps.payments.confirm(merchant, pi.id, { paymentMethodId: null, offSession: true }, nowMs);
    } catch (error) {
      // A decline is the outcome recorded below; a network that could not answer leaves the invoice for the sweep.
      if (!(error instanceof AppError)) throw error;
    }
  }
  await recordOutcome(deps, merchantId, invoiceId, nowMs);
}

/** The intent has not been tried for this attempt yet, or is at the network (confirming resumes it). */
function awaitsAttempt(pi: PaymentIntent, invoice: InvoiceRow): boolean {
  if (pi.status === 'requires_confirmation' || pi.status === 'processing') return true;
  return pi.status === 'requires_payment_method' && pi.latestChargeId === invoice.last_attempt_charge_id;
}

/**
 * Records what the intent came to: paid (the subscription becomes `active`
 * when nothing else of it is unpaid), or a failed attempt (`past_due`, or
 * still `incomplete` for a first invoice). An intent still at the network
 * records nothing; the sweep comes back to it.
 */
export async function recordOutcome(deps: CollectionDeps, merchantId: string, invoiceId: string, nowMs: number): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const invoice = await findInvoice(tx, merchantId, invoiceId, true);
    if (invoice === undefined || invoice.status !== 'open' || Number(invoice.collecting) !== 1) return;
    const pi = await requirePaymentIntent(tx, merchantId, invoice.payment_intent_id);
    const eventDeps = { ids: deps.ids, nowMs };
    if (pi.status === 'succeeded') {
      await tx.run(`UPDATE acquirer_invoices SET status = 'paid', amount_paid_minor = ?, attempt_count = attempt_count + 1, collecting = 0, last_attempt_charge_id = ?, paid_at_ms = ? WHERE id = ?`, [
        pi.amountReceivedMinor, pi.latestChargeId, nowMs, invoice.id,
      ]);
      const paid = await invoiceObject(tx, (await findInvoice(tx, merchantId, invoice.id))!);
      await recordEvent(tx, eventDeps, { merchantId, type: 'invoice.paid', object: paid });
      await recordEvent(tx, eventDeps, { merchantId, type: 'invoice.payment_succeeded', object: paid });
      await moveSubscription(tx, deps, invoice, nowMs, 'paid');
      return;
    }
    const failedAttempt = pi.status === 'requires_payment_method' && (pi.paymentMethodId === null || pi.latestChargeId !== invoice.last_attempt_charge_id);
    if (!failedAttempt) return;
    await tx.run('UPDATE acquirer_invoices SET attempt_count = attempt_count + 1, collecting = 0, last_attempt_charge_id = ? WHERE id = ?', [pi.latestChargeId, invoice.id]);
    const failed = await invoiceObject(tx, (await findInvoice(tx, merchantId, invoice.id))!);
    await recordEvent(tx, eventDeps, { merchantId, type: 'invoice.payment_failed', object: failed });
    await moveSubscription(tx, deps, invoice, nowMs, 'failed');
  });
}

async function moveSubscription(tx: Tx, deps: CollectionDeps, invoice: InvoiceRow, nowMs: number, outcome: 'paid' | 'failed'): Promise<void> {
  if (invoice.subscription_id === null) return;
  const before = await findSubscription(tx, invoice.merchant_id, invoice.subscription_id, true);
  if (before === undefined || before.status === 'canceled') return;
  let status = before.status;
  if (outcome === 'failed' && before.status === 'active') status = 'past_due';
  if (outcome === 'paid' && (before.status === 'incomplete' || before.status === 'past_due')) {
    const unpaid = await tx.get<{ id: string }>(`SELECT id FROM acquirer_invoices WHERE subscription_id = ? AND status = 'open' LIMIT 1`, [before.id]);
    if (unpaid === undefined) status = 'active';
  }
  if (status === before.status) return;
  const after: SubscriptionRow = { ...before, status };
  await saveSubscription(tx, after);
  const items = await subscriptionItems(tx, before.id);
  await recordEvent(tx, { ids: deps.ids, nowMs }, {
    merchantId: invoice.merchant_id,
    type: 'customer.subscription.updated',
    object: subscriptionObject(after, items),
    previousAttributes: previousAttributes(subscriptionObject(before, items), subscriptionObject(after, items))!,
  });
}

/**
 * Invoices whose payment was started and whose outcome is not recorded:
 * after a crash, or a network that could not answer. Picked up only past
 * their hand-over time, so a live request normally finishes its own.
 * `testClockId` limits it to one test clock's invoices (its advance collects them at once).
 */
export async function collectPendingInvoices(deps: CollectionDeps, options: { readonly serverNowMs: number; readonly merchantId?: string; readonly testClockId?: string; readonly limit?: number }): Promise<number> {
  const scoped = options.testClockId !== undefined;
  const rows = await deps.db.all<Pick<InvoiceRow, 'id' | 'merchant_id'>>(
    scoped
      ? `SELECT id, merchant_id FROM acquirer_invoices WHERE collecting = 1 AND merchant_id = ? AND test_clock_id = ? ORDER BY id LIMIT ?`
      : `SELECT id, merchant_id FROM acquirer_invoices WHERE collecting = 1 AND collect_after_ms <= ? ORDER BY id LIMIT ?`,
    scoped ? [options.merchantId, options.testClockId, options.limit ?? 100] : [options.serverNowMs, options.limit ?? 100],
  );
  for (const row of rows) await collectInvoice(deps, row.merchant_id, row.id);
  return rows.length;
}

