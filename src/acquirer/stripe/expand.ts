import type { Sql } from '../../platform/db/database.ts';
import { balanceTransactionObject, requireBalanceTransaction } from '../balance/balance-transactions.ts';
import { customerObject, deletedCustomerObject, findCustomerIncludingDeleted } from '../customers/customers.ts';
import { disputeObject, findDispute } from '../disputes/dispute-store.ts';
import { AcquirerError } from '../errors.ts';
import { chargeObject } from '../payments/charge-object.ts';
import { findCharge } from '../payments/charge-store.ts';
import { basePaymentIntentObject, requirePaymentIntent } from '../payments/payment-intent-store.ts';
import { findPaymentMethod, paymentMethodObject } from '../payments/payment-method-store.ts';
import { refundObjectsByIds } from '../payments/refund-objects.ts';
import { findPrice, findProduct, priceObject, productObject } from '../subscriptions/catalog.ts';
import { findInvoice, invoiceObject } from '../subscriptions/invoice-store.ts';
import { findSubscription, loadSubscriptionObject } from '../subscriptions/subscription-store.ts';

/**
 * Stripe's `expand[]`, for every endpoint at once: which field of which
 * object may be expanded, and into what (`EXPANDABLE`, as Stripe's API
 * reference marks them "Expandable"). The route checks the paths before the
 * request runs — an unknown path is a 400 `parameter_invalid` and changes
 * nothing, as at Stripe — and expands the answer after: each id at a path is
 * replaced by its object (read within the merchant's own objects), and the
 * walk goes on inside it for deeper paths (`latest_charge.balance_transaction`).
 * A field an endpoint already expanded itself is walked into, not fetched
 * again. On a list or search result the paths start with `data.`.
 */

type Target = 'customer' | 'payment_method' | 'charge' | 'payment_intent' | 'refund' | 'balance_transaction' | 'dispute' | 'source' | 'product' | 'price' | 'subscription' | 'invoice' | 'invoice_payments' | 'invoice_payment' | 'invoice_payment_detail';

export const EXPANDABLE: Readonly<Record<string, Readonly<Record<string, Target>>>> = {
  payment_intent: { customer: 'customer', payment_method: 'payment_method', latest_charge: 'charge' },
  setup_intent: { customer: 'customer', payment_method: 'payment_method', latest_attempt: 'charge' },
  charge: { customer: 'customer', payment_intent: 'payment_intent', payment_method: 'payment_method', balance_transaction: 'balance_transaction' },
  refund: { charge: 'charge', payment_intent: 'payment_intent', balance_transaction: 'balance_transaction' },
  payment_method: { customer: 'customer' },
  dispute: { charge: 'charge', payment_intent: 'payment_intent' },
  // A balance transaction's source is a charge, a refund or a dispute: what its id names.
  balance_transaction: { source: 'source' },
  product: { default_price: 'price' },
  price: { product: 'product' },
  subscription: { customer: 'customer', default_payment_method: 'payment_method', latest_invoice: 'invoice' },
  // An invoice always carries its payments (the current API's includable list); expanding walks into them to the payment intent.
  invoice: { customer: 'customer', subscription: 'subscription', payments: 'invoice_payments' },
  invoice_payments: { data: 'invoice_payment' },
  invoice_payment: { payment: 'invoice_payment_detail' },
  invoice_payment_detail: { payment_intent: 'payment_intent' },
};

const RESOURCE_OF_SEGMENT: Readonly<Record<string, string>> = {
  payment_intents: 'payment_intent',
  setup_intents: 'setup_intent',
  charges: 'charge',
  refunds: 'refund',
  payment_methods: 'payment_method',
  disputes: 'dispute',
  balance_transactions: 'balance_transaction',
  products: 'product',
  prices: 'price',
  subscriptions: 'subscription',
  invoices: 'invoice',
};

/** The object an endpoint answers, from its path, and whether as a list; undefined for objects with nothing expandable. */
export function endpointResource(method: string, url: string): { readonly type: string; readonly list: boolean } | undefined {
  const segments = url.split('/').filter((s) => s !== '');
  const last = segments[segments.length - 1]!;
  const list = method === 'GET' && !last.startsWith(':');
  const named = list ? (last === 'search' ? segments[0]! : last) : segments[0]!;
  const type = RESOURCE_OF_SEGMENT[named];
  return type === undefined ? undefined : { type, list };
}

/** Refuses, before anything runs, a path the answer's object cannot expand (Stripe's 400). */
export function checkExpandPaths(resource: { readonly type: string; readonly list: boolean }, paths: readonly string[]): void {
  for (const path of paths) {
    const segments = path.split('.');
    if (resource.list && segments.shift() !== 'data') refuse(path);
    let type: string = resource.type;
    for (const segment of segments) {
      const target = EXPANDABLE[type]?.[segment];
      if (target === undefined) refuse(path);
      type = target!;
    }
  }
}

function refuse(path: string): never {
  throw new AcquirerError('parameter_invalid', `This property cannot be expanded (${path}).`, { param: 'expand' });
}

/** The answer with every path expanded (the answer is not changed in place). */
export async function expandAnswer(sql: Sql, merchantId: string, resource: { readonly type: string; readonly list: boolean }, answer: unknown, paths: readonly string[]): Promise<unknown> {
  if (paths.length === 0 || typeof answer !== 'object' || answer === null) return answer;
  if (resource.list) {
    const list = answer as { data?: unknown[] };
    if (!Array.isArray(list.data)) return answer;
    const inner = paths.map((path) => path.slice('data.'.length));
    return { ...list, data: await Promise.all(list.data.map((item) => expandObject(sql, merchantId, resource.type, item, inner))) };
  }
  return expandObject(sql, merchantId, resource.type, answer, paths);
}

async function expandObject(sql: Sql, merchantId: string, type: string, object: unknown, paths: readonly string[]): Promise<unknown> {
  if (typeof object !== 'object' || object === null || paths.length === 0) return object;
  // A list's `data` (an invoice's payments): each item is walked.
  if (Array.isArray(object)) return Promise.all(object.map((item) => expandObject(sql, merchantId, type, item, paths)));
  const out: Record<string, unknown> = { ...(object as Record<string, unknown>) };
  const fields = [...new Set(paths.map((path) => path.split('.')[0]!))];
  for (const field of fields) {
    const target = EXPANDABLE[type]?.[field];
    if (target === undefined || out[field] === null || out[field] === undefined) continue;
    const deeper = paths.filter((path) => path.startsWith(`${field}.`)).map((path) => path.slice(field.length + 1));
    const value = typeof out[field] === 'string' ? await fetchObject(sql, merchantId, target, out[field] as string) : out[field];
    const valueType = target === 'source' ? sourceType(value) : target;
    out[field] = valueType === undefined ? value : await expandObject(sql, merchantId, valueType, value, deeper);
  }
  return out;
}

function sourceType(value: unknown): string | undefined {
  const object = (value as { object?: unknown } | null)?.object;
  return typeof object === 'string' ? object : undefined;
}

/** The merchant's object with this id, as its endpoint answers it; the id as it was when it names nothing (never another merchant's). */
async function fetchObject(sql: Sql, merchantId: string, target: Target, id: string): Promise<unknown> {
  const kind = target === 'source' ? (id.startsWith('ch_') ? 'charge' : id.startsWith('re_') ? 'refund' : id.startsWith('dp_') || id.startsWith('du_') ? 'dispute' : undefined) : target;
  switch (kind) {
    case 'customer': {
      const row = await findCustomerIncludingDeleted(sql, merchantId, id);
      return row === undefined ? id : row.deleted_at_ms === null ? customerObject(row) : deletedCustomerObject(row.id);
    }
    case 'payment_method': {
      const pm = await findPaymentMethod(sql, merchantId, id);
      return pm === undefined ? id : paymentMethodObject(pm);
    }
    case 'charge': {
      const charge = await findCharge(sql, merchantId, id);
      return charge === undefined ? id : chargeObject(sql, charge);
    }
    case 'payment_intent':
      return basePaymentIntentObject(await requirePaymentIntent(sql, merchantId, id));
    case 'refund':
      return (await refundObjectsByIds(sql, merchantId, [id]))[0] ?? id;
    case 'balance_transaction':
      return balanceTransactionObject(await requireBalanceTransaction(sql, merchantId, id));
    case 'dispute': {
      const row = await findDispute(sql, merchantId, id);
      return row === undefined ? id : disputeObject(row);
    }
    case 'product': {
      const row = await findProduct(sql, merchantId, id);
      return row === undefined ? id : productObject(row);
    }
    case 'price': {
      const row = await findPrice(sql, merchantId, id);
      return row === undefined ? id : priceObject(row);
    }
    case 'subscription': {
      const row = await findSubscription(sql, merchantId, id);
      return row === undefined ? id : loadSubscriptionObject(sql, row);
    }
    case 'invoice': {
      const row = await findInvoice(sql, merchantId, id);
      return row === undefined ? id : invoiceObject(sql, row);
    }
    default:
      return id;
  }
}

/** Every path the answer's object may expand, two levels deep (for the OpenAPI document). */
export function expandablePaths(resource: { readonly type: string; readonly list: boolean }): string[] {
  const paths: string[] = [];
  for (const [field, target] of Object.entries(EXPANDABLE[resource.type] ?? {})) {
    paths.push(field);
    for (const inner of Object.keys(EXPANDABLE[target] ?? {})) paths.push(`${field}.${inner}`);
  }
  return resource.list ? paths.map((path) => `data.${path}`) : paths;
}
