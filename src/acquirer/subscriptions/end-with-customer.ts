import type { Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { recordEvent } from '../events/events.ts';
import { saveSubscription, SUBSCRIPTION_COLUMNS, subscriptionItems, subscriptionObject, type SubscriptionRow } from './subscription-store.ts';

/**
 * Deleting a customer (or the test clock it lives on) cancels its
 * subscriptions at once, as Stripe does: nothing is billed to a customer
 * that no longer exists. Call in the deletion's transaction, holding the
 * customer's row lock: customer first, then its subscriptions, the order
 * invoicing takes them in too (invoice-store.ts, createInvoice).
 */
export async function endSubscriptionsOfCustomer(tx: Tx, deps: { readonly ids: IdGenerator; readonly nowMs: number }, merchantId: string, customerId: string): Promise<void> {
  const live = await tx.all<SubscriptionRow>(
    `SELECT ${SUBSCRIPTION_COLUMNS} FROM acquirer_subscriptions WHERE merchant_id = ? AND customer_id = ? AND status <> 'canceled' ORDER BY id ${tx.forUpdate}`,
    [merchantId, customerId],
  );
  for (const before of live) {
    const after: SubscriptionRow = { ...before, status: 'canceled', canceled_at_ms: deps.nowMs, ended_at_ms: deps.nowMs, cancellation_reason: 'cancellation_requested' };
    await saveSubscription(tx, after);
    await recordEvent(tx, deps, { merchantId, type: 'customer.subscription.deleted', object: subscriptionObject(after, await subscriptionItems(tx, before.id)) });
  }
}
