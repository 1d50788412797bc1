import { withStripeDefaults } from '../stripe/stripe-defaults.ts';
import type { Sql, Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { AcquirerError, noSuchObject, type NamedIn } from '../errors.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { recordEvent } from '../events/events.ts';
import { previousAttributes } from '../events/previous-attributes.ts';
import { updateMetadata, type Metadata, type Params } from '../stripe/params.ts';
import { endSubscriptionsOfCustomer } from '../subscriptions/end-with-customer.ts';

/**
 * Customers: storage, Stripe's customer object, and the three changes
 * (create, update, delete), each recording its event in the same
 * transaction. Payment intents use `getCustomer`/`requireCustomer` and
 * `customerObject` (for `expand[]=customer`).
 */

export interface CustomerRow {
  id: string;
  merchant_id: string;
  email: string | null;
  name: string | null;
  phone: string | null;
  description: string | null;
  metadata: string;
  default_payment_method_id: string | null;
  created_at_ms: number | string;
  deleted_at_ms: number | string | null;
  /** The test clock the customer lives on (test-clocks/), whose time its objects see. */
  test_clock_id: string | null;
  /** The number its next invoice takes (subscriptions/invoice-store.ts). */
  next_invoice_sequence: number | string;
}

export const CUSTOMER_COLUMNS =
  'id, merchant_id, email, name, phone, description, metadata, default_payment_method_id, created_at_ms, deleted_at_ms, test_clock_id, next_invoice_sequence';

/** A customer's invoice numbers start with a prefix of its own (Stripe's `invoice_prefix`): the end of its id. */
export function invoicePrefix(customerId: string): string {
  return customerId.slice(customerId.indexOf('_') + 1).slice(-8).toUpperCase();
}

/** The param Stripe names when the default payment method is refused. */
export const DEFAULT_PAYMENT_METHOD_PARAM = 'invoice_settings[default_payment_method]';

/** The customer's own fields; in a change, undefined leaves a field as it is and null clears it. */
export interface CustomerFields {
  readonly email?: string | null;
  readonly name?: string | null;
  readonly phone?: string | null;
  readonly description?: string | null;
}

export interface CustomerDeps {
  readonly ids: IdGenerator;
  readonly nowMs: number;
}

type EventRequest = { readonly id: string | null; readonly idempotencyKey: string | null } | undefined;

/** Stripe's customer object (the fields Cardlane has; the rest at their empty values, as Stripe shows them). */
export function customerObject(row: CustomerRow): Record<string, unknown> & { id: string } {
  return withStripeDefaults('customer', {
    id: row.id,
    object: 'customer',
    address: null,
    balance: 0,
    created: Math.floor(Number(row.created_at_ms) / 1000),
    currency: null,
    default_source: null,
    delinquent: false,
    description: row.description,
    discount: null,
    email: row.email,
    invoice_settings: {
      custom_fields: null,
      default_payment_method: row.default_payment_method_id,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: JSON.parse(row.metadata) as Metadata,
    name: row.name,
    phone: row.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: row.test_clock_id ?? null,
    invoice_prefix: invoicePrefix(row.id),
    next_invoice_sequence: Number(row.next_invoice_sequence),
  });
}

/** What Stripe answers for a deleted customer (retrieve and delete). */
export function deletedCustomerObject(id: string): { id: string; object: 'customer'; deleted: true } {
  return { id, object: 'customer', deleted: true };
}

/** A live (not deleted) customer of this merchant; `lock` only inside a transaction. */
export async function getCustomer(sql: Sql, merchantId: string, id: string, lock = false): Promise<CustomerRow | undefined> {
  return sql.get<CustomerRow>(
    `SELECT ${CUSTOMER_COLUMNS} FROM acquirer_customers WHERE id = ? AND merchant_id = ? AND deleted_at_ms IS NULL${lock ? ` ${(sql as Tx).forUpdate}` : ''}`,
    [id, merchantId],
  );
}

/** Like getCustomer, or Stripe's `resource_missing` naming `param`: 404 for the path's `id`, 400 for a parameter (`customer` on a payment intent). */
export async function requireCustomer(sql: Sql, merchantId: string, id: string, param = 'id', lock = false): Promise<CustomerRow> {
  const row = await getCustomer(sql, merchantId, id, lock);
  if (row === undefined) throw noSuchCustomer(id, param);
  return row;
}

/** The customer row whether deleted or not (retrieve answers `deleted: true` for a deleted one). */
export async function findCustomerIncludingDeleted(sql: Sql, merchantId: string, id: string): Promise<CustomerRow | undefined> {
  return sql.get<CustomerRow>(`SELECT ${CUSTOMER_COLUMNS} FROM acquirer_customers WHERE id = ? AND merchant_id = ?`, [id, merchantId]);
}

export function noSuchCustomer(id: string, param = 'id', namedIn?: NamedIn): AppError {
  return noSuchObject(`No such customer: '${id}'`, param, namedIn);
}

export async function createCustomer(
  tx: Tx,
  deps: CustomerDeps,
  input: {
    readonly merchantId: string;
    readonly fields: CustomerFields;
    readonly metadata: ReturnType<Params['metadata']>;
    readonly defaultPaymentMethodId: string | null | undefined;
    /** A test clock of this merchant (checked by the caller): the customer is created at its frozen time. */
    readonly testClock?: { readonly id: string; readonly frozenTimeMs: number };
    readonly request?: EventRequest;
  },
): Promise<CustomerRow> {
  const id = deps.ids.next('cus');
  const metadata = updateMetadata({}, input.metadata);
  // A new customer has no payment methods yet, so a default given here is
  // refused by the same rule as on update. (Stripe's `payment_method` on
  // create, which attaches one first, is not offered: attaching belongs to
  // the payment methods module; when it is, attach here before this check.)
  const defaultPaymentMethodId = input.defaultPaymentMethodId ?? null;
  await tx.run(
    `INSERT INTO acquirer_customers (${CUSTOMER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, 1)`,
    [
      id,
      input.merchantId,
      input.fields.email ?? null,
      input.fields.name ?? null,
      input.fields.phone ?? null,
      input.fields.description ?? null,
      JSON.stringify(metadata),
      null,
      input.testClock?.frozenTimeMs ?? deps.nowMs,
      input.testClock?.id ?? null,
    ],
  );
  if (defaultPaymentMethodId !== null) {
    await checkDefaultPaymentMethod(tx, input.merchantId, id, defaultPaymentMethodId);
    await tx.run('UPDATE acquirer_customers SET default_payment_method_id = ? WHERE id = ?', [defaultPaymentMethodId, id]);
  }
  const row = (await getCustomer(tx, input.merchantId, id))!;
  await recordEvent(tx, deps, { merchantId: input.merchantId, type: 'customer.created', object: customerObject(row), request: input.request });
  return row;
}

export async function updateCustomer(
  tx: Tx,
  deps: CustomerDeps,
  input: {
    readonly merchantId: string;
    readonly id: string;
    readonly fields: CustomerFields;
    readonly metadata: ReturnType<Params['metadata']>;
    /** undefined: unchanged; null: unset. */
    readonly defaultPaymentMethodId: string | null | undefined;
    readonly request?: EventRequest;
  },
): Promise<CustomerRow> {
  const before = await tx.get<CustomerRow>(
    `SELECT ${CUSTOMER_COLUMNS} FROM acquirer_customers WHERE id = ? AND merchant_id = ? AND deleted_at_ms IS NULL ${tx.forUpdate}`,
    [input.id, input.merchantId],
  );
  if (before === undefined) throw noSuchCustomer(input.id);
  if (typeof input.defaultPaymentMethodId === 'string') {
    await checkDefaultPaymentMethod(tx, input.merchantId, input.id, input.defaultPaymentMethodId);
  }
  const pick = <K extends keyof CustomerFields>(key: K, current: string | null): string | null =>
    input.fields[key] === undefined ? current : (input.fields[key] as string | null);
  const after: CustomerRow = {
    ...before,
    email: pick('email', before.email),
    name: pick('name', before.name),
    phone: pick('phone', before.phone),
    description: pick('description', before.description),
    metadata: JSON.stringify(updateMetadata(JSON.parse(before.metadata) as Metadata, input.metadata)),
    default_payment_method_id: input.defaultPaymentMethodId === undefined ? before.default_payment_method_id : input.defaultPaymentMethodId,
  };
  const changed = previousAttributes(customerObject(before), customerObject(after));
  if (changed === undefined) return before;
  await tx.run(
    `UPDATE acquirer_customers SET email = ?, name = ?, phone = ?, description = ?, metadata = ?, default_payment_method_id = ?
     WHERE id = ? AND merchant_id = ?`,
    [after.email, after.name, after.phone, after.description, after.metadata, after.default_payment_method_id, input.id, input.merchantId],
  );
  await recordEvent(tx, deps, {
    merchantId: input.merchantId,
    type: 'customer.updated',
    object: customerObject(after),
    previousAttributes: changed,
    request: input.request,
  });
  return after;
}

/**
 * Deletes the customer, detaches its payment methods and cancels its
 * subscriptions (Stripe does all three: a deleted customer's cards can no
 * longer be charged through it).
 */
export async function deleteCustomer(
  tx: Tx,
  deps: CustomerDeps,
  input: { readonly merchantId: string; readonly id: string; readonly request?: EventRequest },
): Promise<void> {
  // Lock order: the customer's row, then its subscriptions' (endSubscriptionsOfCustomer). Invoicing takes the same two
  // in the same order (subscriptions/invoice-store.ts, createInvoice), so a deletion and an invoice of one customer
  // at once wait for each other instead of deadlocking; the other way round PostgreSQL broke the cycle after a second.
  // Its payment methods' rows come after the customer's too, as detaching and attaching one take them
  // (payments/payment-method-locks.ts).
  const before = await tx.get<CustomerRow>(
    `SELECT ${CUSTOMER_COLUMNS} FROM acquirer_customers WHERE id = ? AND merchant_id = ? AND deleted_at_ms IS NULL ${tx.forUpdate}`,
    [input.id, input.merchantId],
  );
  if (before === undefined) throw noSuchCustomer(input.id);
  await tx.run('UPDATE acquirer_customers SET deleted_at_ms = ?, default_payment_method_id = NULL WHERE id = ? AND merchant_id = ?', [
    deps.nowMs,
    input.id,
    input.merchantId,
  ]);
  await tx.run('UPDATE acquirer_payment_methods SET customer_id = NULL, detached_at_ms = ? WHERE customer_id = ? AND merchant_id = ?', [
    deps.nowMs,
    input.id,
    input.merchantId,
  ]);
  await endSubscriptionsOfCustomer(tx, deps, input.merchantId, input.id);
  await recordEvent(tx, deps, { merchantId: input.merchantId, type: 'customer.deleted', object: customerObject(before), request: input.request });
}

/**
 * For the payment methods module: a payment method was detached, so no
 * customer may keep it as default (Stripe clears the default then). Records
 * `customer.updated` for each customer that had it. Call in the detach's
 * transaction, holding the lock of the customer the payment method was
 * attached to (taken before the payment method's: payments/payment-method-locks.ts),
 * so that the rows locked here are ones the caller already holds.
 */
export async function clearDefaultPaymentMethod(
  tx: Tx,
  deps: CustomerDeps,
  input: { readonly merchantId: string; readonly paymentMethodId: string; readonly request?: EventRequest },
): Promise<void> {
  const rows = await tx.all<CustomerRow>(
    `SELECT ${CUSTOMER_COLUMNS} FROM acquirer_customers
     WHERE merchant_id = ? AND default_payment_method_id = ? AND deleted_at_ms IS NULL ORDER BY id ${tx.forUpdate}`,
    [input.merchantId, input.paymentMethodId],
  );
  for (const before of rows) {
    await tx.run('UPDATE acquirer_customers SET default_payment_method_id = NULL WHERE id = ?', [before.id]);
    const after = { ...before, default_payment_method_id: null };
    await recordEvent(tx, deps, {
      merchantId: input.merchantId,
      type: 'customer.updated',
      object: customerObject(after),
      previousAttributes: previousAttributes(customerObject(before), customerObject(after))!,
      request: input.request,
    });
  }
}

/**
 * A default payment method must exist at this merchant (else Stripe's
 * `resource_missing`, 400 as a parameter names it, the same for another
 * merchant's, so ids reveal nothing) and be attached
 * to this customer. Locked so a concurrent detach cannot slip in between.
 */
async function checkDefaultPaymentMethod(tx: Tx, merchantId: string, customerId: string, paymentMethodId: string): Promise<void> {
  const pm = await tx.get<{ customer_id: string | null }>(
    `SELECT customer_id FROM acquirer_payment_methods WHERE id = ? AND merchant_id = ? ${tx.forUpdate}`,
    [paymentMethodId, merchantId],
  );
  if (pm === undefined) {
    throw noSuchObject(`No such PaymentMethod: '${paymentMethodId}'`, DEFAULT_PAYMENT_METHOD_PARAM);
  }
  if (pm.customer_id !== customerId) {
    throw new AcquirerError(
      'parameter_invalid',
      `The customer does not have a payment method with the ID ${paymentMethodId}. The payment method must be attached to the customer.`,
      { param: DEFAULT_PAYMENT_METHOD_PARAM },
    );
  }
}
