import type { Tx } from '../../platform/db/database.ts';
import { getCustomer } from '../customers/customers.ts';
import { recordEvent } from '../events/events.ts';
import { previousAttributes } from '../events/previous-attributes.ts';
import type { TestClockWork } from '../test-clocks/test-clocks.ts';
import { collectInvoice, collectPendingInvoices, type CollectionDeps } from './invoice-collection.ts';
import { createInvoice } from './invoice-store.ts';
import { findSubscription, periodOfCycle, saveSubscription, SUBSCRIPTION_COLUMNS, subscriptionItems, subscriptionObject, type SubscriptionRow } from './subscription-store.ts';

/**
 * Renewals: when a subscription's period ends (by the server's clock, or
 * its customer's test clock), the next period begins with a new invoice,
 * which is then paid off-session (invoice-collection.ts). A subscription set
 * to `cancel_at_period_end` ends instead.
 *
 * Exactly once: the renewal is one transaction holding the subscription's
 * row lock, which re-reads the period end before acting — a second process,
 * or a retry after a crash, finds the period already moved and does
 * nothing — and the invoice's unique (subscription, period start) index
 * would refuse a second invoice for that period anyway.
 *
 * Before the subscription's lock, a renewal takes its customer's: the lock
 * order of invoicing and of deleting a customer (invoice-store.ts,
 * createInvoice).
 */

/** At most this many periods are caught up in one go (a test clock may move two years: 730 daily periods). */
const MAX_PERIODS_PER_RENEWAL = 800;
/** Subscriptions renewed per run of the task; the rest wait for its next run. */
const RENEWALS_PER_RUN = 100;

/**
 * Moves a locked subscription, whose customer's row the caller locked first,
 * through every period end up to `untilMs`; returns the invoices it made (to
 * be collected after the transaction).
 */
export async function renewSubscription(tx: Tx, deps: CollectionDeps, sub: SubscriptionRow, untilMs: number, serverNowMs: number): Promise<string[]> {
  const invoices: string[] = [];
  let current = sub;
  const items = await subscriptionItems(tx, sub.id);
  for (let n = 0; n < MAX_PERIODS_PER_RENEWAL; n += 1) {
    if ((current.status !== 'active' && current.status !== 'past_due') || Number(current.current_period_end_ms) > untilMs) break;
    const endedMs = Number(current.current_period_end_ms);
    const eventDeps = { ids: deps.ids, nowMs: endedMs };
    const before = current;
    if (Number(current.cancel_at_period_end) === 1) {
      current = { ...current, status: 'canceled', ended_at_ms: endedMs, cancellation_reason: current.cancellation_reason ?? 'cancellation_requested' };
      await saveSubscription(tx, current);
      await recordEvent(tx, eventDeps, { merchantId: sub.merchant_id, type: 'customer.subscription.deleted', object: subscriptionObject(current, items) });
      break;
    }
    const cycle = Number(current.cycle) + 1;
    const billed = periodOfCycle(current, items, cycle);
    const invoiceId = deps.ids.next('in');
    // The card of the moment: the subscription's own, else the customer's default as it is now.
    const customer = await getCustomer(tx, sub.merchant_id, sub.customer_id);
    const paymentMethodId = current.default_payment_method_id ?? customer?.default_payment_method_id ?? null;
    current = { ...current, cycle, current_period_start_ms: billed.startMs, current_period_end_ms: billed.endMs, latest_invoice_id: invoiceId };
    await saveSubscription(tx, current);
    await createInvoice(tx, { ids: deps.ids, payments: deps.payments }, {
      id: invoiceId,
      subscription: current,
      items,
      billingReason: 'subscription_cycle',
      billed,
      period: { startMs: Number(before.current_period_start_ms), endMs: endedMs },
      paymentMethodId,
      nowMs: endedMs,
      serverNowMs,
    });
    await recordEvent(tx, eventDeps, {
      merchantId: sub.merchant_id,
      type: 'customer.subscription.updated',
      object: subscriptionObject(current, items),
      previousAttributes: previousAttributes(subscriptionObject(before, items), subscriptionObject(current, items))!,
    });
    invoices.push(invoiceId);
  }
  return invoices;
}

/** Renews one subscription under its lock (re-read: another process may have renewed it) and collects what it billed. */
async function renewAndCollect(deps: CollectionDeps, due: DueSubscription, untilMs: number, serverNowMs: number): Promise<void> {
  const invoices = await deps.db.transaction(async (tx) => {
    // The customer's lock before the subscription's (see the top of this file). A customer deleted meanwhile is not
    // found; its deletion canceled the subscription, which the re-read below then finds so and leaves alone.
    await getCustomer(tx, due.merchant_id, due.customer_id, true);
    const sub = await findSubscription(tx, due.merchant_id, due.id, true);
    return sub === undefined ? [] : renewSubscription(tx, deps, sub, untilMs, serverNowMs);
  });
  for (const invoiceId of invoices) await collectInvoice(deps, due.merchant_id, invoiceId);
}

/** A subscription's customer never changes, so the one read with it here is the one to lock. */
type DueSubscription = Pick<SubscriptionRow, 'id' | 'merchant_id' | 'customer_id'>;

/**
 * The `acquirer.subscription-renewals` task: subscriptions on the server's
 * clock whose period ended are renewed, and invoices whose payment a crash
 * cut short are collected. (Test-clock subscriptions renew when their clock is advanced.)
 */
export async function renewDueSubscriptions(deps: CollectionDeps, serverNowMs: number): Promise<number> {
  const due = await deps.db.all<DueSubscription>(
    `SELECT id, merchant_id, customer_id FROM acquirer_subscriptions WHERE status IN ('active', 'past_due') AND current_period_end_ms <= ? AND test_clock_id IS NULL ORDER BY current_period_end_ms, id LIMIT ?`,
    [serverNowMs, RENEWALS_PER_RUN],
  );
  for (const row of due) await renewAndCollect(deps, row, serverNowMs, serverNowMs);
  await collectPendingInvoices(deps, { serverNowMs });
  return due.length;
}

/**
 * A test clock's part in subscriptions: within the advance's transaction, every
 * subscription of the clock's customers renews through the periods that ended
 * by the new time; after it commits, their invoices are paid (outside the
 * transaction, as every payment is).
 */
export function subscriptionClockWork(deps: CollectionDeps): TestClockWork {
  return {
    due: async (tx, clock) => {
      // The customers' locks before their subscriptions' (see the top of this file), in id order as every path that
      // locks several customers. All of the clock's: a subscription made meanwhile may fall due with the rest.
      await tx.all(`SELECT id FROM acquirer_customers WHERE merchant_id = ? AND test_clock_id = ? AND deleted_at_ms IS NULL ORDER BY id ${tx.forUpdate}`, [
        clock.merchantId,
        clock.id,
      ]);
      const subs = await tx.all<SubscriptionRow>(
        `SELECT ${SUBSCRIPTION_COLUMNS} FROM acquirer_subscriptions WHERE merchant_id = ? AND test_clock_id = ? AND status IN ('active', 'past_due') AND current_period_end_ms <= ? ORDER BY id ${tx.forUpdate}`,
        [clock.merchantId, clock.id, clock.toMs],
      );
      for (const sub of subs) await renewSubscription(tx, deps, sub, clock.toMs, deps.clock.nowMs());
    },
    settle: async (clock) => void (await collectPendingInvoices(deps, { serverNowMs: deps.clock.nowMs(), merchantId: clock.merchantId, testClockId: clock.id })),
  };
}
