import { RetryableConflict, type Tx } from '../../platform/db/database.ts';
import { getCustomer } from '../customers/customers.ts';
import type { NamedIn } from '../errors.ts';
import { requirePaymentMethod, type PaymentMethod } from './payment-method-store.ts';

/**
 * Locks a payment method for a change that also touches the customer it is
 * attached to (a detach clears that customer's default), in the house's lock
 * order: the customer's row first, then the payment method's. Deleting a
 * customer (customers.ts, deleteCustomer) locks the customer, then detaches
 * its payment methods; a detach that locked the payment method first and the
 * customer second deadlocked with it on PostgreSQL.
 *
 * Which customer to lock is known only from the payment method's row, read
 * here without a lock; a concurrent attach or detach may change it before the
 * lock is taken, so the locked row is checked again. Detached meanwhile (no
 * customer now): that is the answer, and no customer lock is needed for it.
 * Attached meanwhile to a customer not locked here: the transaction is re-run
 * (RetryableConflict), and then locks that customer first.
 *
 * The customer's row is locked only while it is live: a customer deleted
 * meanwhile has had its payment methods detached in the same transaction, so
 * the payment method then shows no customer.
 */
export async function lockPaymentMethodWithCustomer(tx: Tx, merchantId: string, id: string, param: string, namedIn: NamedIn): Promise<PaymentMethod> {
  const seen = await requirePaymentMethod(tx, merchantId, id, param, { namedIn });
  if (seen.customerId !== null) await getCustomer(tx, merchantId, seen.customerId, true);
  const locked = await requirePaymentMethod(tx, merchantId, id, param, { lock: true, namedIn });
  if (locked.customerId !== null && locked.customerId !== seen.customerId) {
    throw new RetryableConflict(`payment method ${id} was attached to ${locked.customerId} while its customer was being locked`);
  }
  return locked;
}
