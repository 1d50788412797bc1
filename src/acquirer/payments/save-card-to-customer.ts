import type { Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { getCustomer } from '../customers/customers.ts';
import { recordEvent, type EnabledEndpoint } from '../events/events.ts';
import { findPaymentMethod, paymentMethodObject, setPaymentMethodCustomer, type CardChecks } from './payment-method-store.ts';

/** What saving the card came to: attached now, attached already (by this or another customer), or its customer deleted. */
export type SaveCardOutcome = 'attached' | 'already_attached' | 'customer_deleted';

/**
 * Saves the card of a succeeded set-up (SetupIntent) or payment (a
 * PaymentIntent with `setup_future_usage`) to the intent's customer, with
 * `payment_method.attached`, in the caller's transaction — which holds the
 * intent's row lock and records the intent's outcome.
 *
 * The card went to the network before this, so its customer may have been
 * deleted meanwhile. The customer's row is locked live, before the card's:
 * the house's lock order (payment-method-locks.ts), which deleting a customer
 * takes too (it locks the customer, then detaches its cards), and which no
 * path inverts with the intent's (nothing holding a customer's lock then
 * locks a SetupIntent or PaymentIntent). So a deletion either came first —
 * the customer is gone, and the card stays unattached, as a deleted customer
 * can have no payment methods — or waits for this transaction and then
 * detaches the card with the rest. The set-up or payment itself stands
 * either way: the card was verified, or charged.
 *
 * A card seen attached already is left as it is without a lock (another
 * payment or set-up saved it; a repeat payment with `setup_future_usage` on
 * a saved card takes no lock here at all).
 *
 * Call it before the transaction writes the card's row in any other way (a
 * payment's new `checks`): a write locks the row, and the customer's lock
 * must come before the card's. `checks`, the card's checks as the caller will
 * write them after this, is what the `payment_method.attached` event shows.
 */
export async function saveCardToCustomer(
  tx: Tx,
  deps: { readonly ids: IdGenerator; readonly nowMs: number },
  input: { readonly merchantId: string; readonly paymentMethodId: string; readonly customerId: string; readonly checks?: CardChecks },
  endpoints?: readonly EnabledEndpoint[],
): Promise<SaveCardOutcome> {
  const { merchantId, paymentMethodId, customerId } = input;
  const seen = (await findPaymentMethod(tx, merchantId, paymentMethodId))!;
  if (seen.customerId !== null) return 'already_attached';
  if ((await getCustomer(tx, merchantId, customerId, true)) === undefined) return 'customer_deleted';
  // Re-read under lock: another payment or set-up may have attached the card since; it is attached (and announced) once.
  const pm = (await findPaymentMethod(tx, merchantId, paymentMethodId, { lock: true }))!;
  if (pm.customerId !== null) return 'already_attached';
  await setPaymentMethodCustomer(tx, pm, customerId, deps.nowMs);
  // As Stripe sends it when a set-up or a payment attaches the card to its customer.
  await recordEvent(tx, deps, { merchantId, type: 'payment_method.attached', object: paymentMethodObject({ ...pm, customerId, checks: input.checks ?? pm.checks }) }, endpoints);
  return 'attached';
}
