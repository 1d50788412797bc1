import type { Tx } from '../../platform/db/database.ts';
import { requireCustomer } from '../customers/customers.ts';
import { AcquirerError, noSuchObject } from '../errors.ts';
import { recordEvent } from '../events/events.ts';
import { previousAttributes } from '../events/previous-attributes.ts';
import { checkMinimum } from '../payments/payment-intent-endpoints.ts';
import { listPage, parseListQuery, stripeList, type ListQuery } from '../stripe/list.ts';
import { updateMetadata, type Metadata, type Params } from '../stripe/params.ts';
import type { StripeCall, StripeEndpoint } from '../stripe/route.ts';
import { timeOfCustomer } from '../test-clocks/test-clocks.ts';
import { billingPeriod } from './billing-periods.ts';
import { requirePrice, type PriceRow } from './catalog.ts';
import { collectInvoice, type CollectionDeps } from './invoice-collection.ts';
import { createInvoice } from './invoice-store.ts';
import {
  loadSubscriptionObject,
  requireSubscription,
  saveSubscription,
  SUBSCRIPTION_COLUMNS,
  subscriptionItems,
  subscriptionObject,
  type SubscriptionRow,
  type SubscriptionStatus,
} from './subscription-store.ts';

/**
 * Stripe's `/v1/subscriptions`: create (the first invoice is made and paid
 * off-session at once; a decline leaves the subscription `incomplete` with
 * its invoice open, as Stripe's default `payment_behavior=allow_incomplete`),
 * retrieve, update (cancel at period end, the default payment method,
 * description, metadata), list, and DELETE to cancel now. Changing items
 * (and so prorations) is not offered: make a new subscription.
 */

const ID = /^[a-z]{2,8}_[0-9A-Za-z]{10,40}$/;
const DESCRIPTION_MAX_CHARS = 500;
const COMMENT_MAX_CHARS = 5_000;
const MAX_ITEMS = 20;
const MAX_QUANTITY = 10_000;
const FEEDBACK = ['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused'] as const;
const LIST_STATUSES = ['active', 'past_due', 'incomplete', 'canceled', 'all'] as const;

interface CreateInput {
  readonly customerId: string;
  readonly items: readonly { readonly priceId: string; readonly quantity: number; readonly metadata: Metadata }[];
  readonly defaultPaymentMethodId: string | undefined;
  readonly cancelAtPeriodEnd: boolean;
  readonly description: string | null;
  readonly metadata: Metadata;
}

interface UpdateInput {
  readonly id: string;
  readonly cancelAtPeriodEnd: boolean | undefined;
  readonly defaultPaymentMethodId: string | null | undefined;
  readonly description: string | null | undefined;
  readonly metadata: ReturnType<Params['metadata']>;
  readonly comment: string | null | undefined;
  readonly feedback: (typeof FEEDBACK)[number] | null | undefined;
}

export function subscriptionEndpoints(deps: CollectionDeps): StripeEndpoint<any>[] {
  const request = (call: StripeCall) => ({ id: call.requestId, idempotencyKey: call.idempotencyKey ?? null });

  const create: StripeEndpoint<CreateInput> = {
    method: 'POST',
    url: '/subscriptions',
    summary: 'Create a subscription: its first invoice is made and paid off-session with the default payment method',
    parse: (p) => {
      const items = p.objectList('items', { required: true, maxItems: MAX_ITEMS })!.map((item) => ({
        priceId: item.requiredString('price', { maxChars: 64, pattern: ID, what: 'not a price id' }),
        quantity: item.integer('quantity', { min: 1, max: MAX_QUANTITY }) ?? 1,
        metadata: updateMetadata({}, item.metadata()),
      }));
      if (items.length === 0) throw new AcquirerError('parameter_missing', 'Missing required param: items.', { param: 'items' });
      // Stripe's default behaviour is the one offered: a declined first payment leaves the subscription incomplete.
      p.enumOf('payment_behavior', ['allow_incomplete'] as const);
      // Cardlane charges a subscription's invoices off-session always; Stripe's flag is accepted as it changes nothing here.
      p.boolean('off_session');
      p.enumOf('collection_method', ['charge_automatically'] as const);
      return {
        customerId: p.requiredString('customer', { maxChars: 64, pattern: ID, what: 'not a customer id' }),
        items,
        defaultPaymentMethodId: p.string('default_payment_method', { maxChars: 64, pattern: ID, what: 'not a payment method id' }),
        cancelAtPeriodEnd: p.boolean('cancel_at_period_end') ?? false,
        description: emptyIsNull(p.string('description', { maxChars: DESCRIPTION_MAX_CHARS })) ?? null,
        metadata: updateMetadata({}, p.metadata()),
      };
    },
    run: async (input, call) => {
      const made = await deps.db.transaction(async (tx) => {
        const sub = await insertSubscription(tx, deps, call, input);
        await call.recovery.record(tx, sub.row.id);
        return sub;
      });
      await collectInvoice(deps, call.merchant.id, made.invoiceId);
      return loadSubscriptionObject(deps.db, await requireSubscription(deps.db, call.merchant.id, made.row.id));
    },
    // A create cut short after it committed: its first invoice is collected (once), and the subscription answered.
    resume: async (_input, call, id) => {
      const row = await requireSubscription(deps.db, call.merchant.id, id);
      if (row.latest_invoice_id !== null) await collectInvoice(deps, call.merchant.id, row.latest_invoice_id);
      return loadSubscriptionObject(deps.db, await requireSubscription(deps.db, call.merchant.id, id));
    },
  };

  /** The subscription, its items, its first invoice (with its payment intent) and the events, in one transaction. */
  async function insertSubscription(tx: Tx, d: CollectionDeps, call: StripeCall, input: CreateInput): Promise<{ row: SubscriptionRow; invoiceId: string }> {
    const merchantId = call.merchant.id;
    // Locked first, as every invoicing locks its customer before the subscription (invoice-store.ts, createInvoice):
    // a deletion of the customer running meanwhile is waited for, then refuses this with Stripe's resource_missing.
    const customer = await requireCustomer(tx, merchantId, input.customerId, 'customer', true);
    const prices: PriceRow[] = [];
    for (const [index, item] of input.items.entries()) prices.push(await requirePrice(tx, merchantId, item.priceId, `items[${index}][price]`));
    checkPrices(prices);
    const paymentMethodId = input.defaultPaymentMethodId ?? customer.default_payment_method_id;
    if (paymentMethodId === null) {
      throw noSuchObject('This customer has no attached payment source or default payment method. Please consider adding a default payment method.', 'default_payment_method');
    }
    if (input.defaultPaymentMethodId !== undefined) await checkAttached(tx, merchantId, customer.id, input.defaultPaymentMethodId);
    const currency = prices[0]!.currency;
    checkMinimum(input.items.reduce((sum, item, i) => sum + Number(prices[i]!.unit_amount_minor) * item.quantity, 0), currency);

    // A customer on a test clock subscribes at its frozen time, and its periods run on that clock.
    const nowMs = await timeOfCustomer(tx, merchantId, customer.id, call.nowMs);
    const first = billingPeriod(nowMs, prices[0]!.recurring_interval!, Number(prices[0]!.recurring_interval_count), 0);
    const id = d.ids.next('sub');
    const invoiceId = d.ids.next('in');
    const row: SubscriptionRow = {
      id, merchant_id: merchantId, customer_id: customer.id, status: 'incomplete', currency,
      default_payment_method_id: input.defaultPaymentMethodId ?? null, description: input.description, metadata: JSON.stringify(input.metadata),
      billing_cycle_anchor_ms: nowMs, cycle: 0, current_period_start_ms: first.startMs, current_period_end_ms: first.endMs,
      cancel_at_period_end: input.cancelAtPeriodEnd ? 1 : 0, canceled_at_ms: input.cancelAtPeriodEnd ? nowMs : null, ended_at_ms: null,
      cancellation_comment: null, cancellation_feedback: null, cancellation_reason: input.cancelAtPeriodEnd ? 'cancellation_requested' : null,
      latest_invoice_id: invoiceId, test_clock_id: customer.test_clock_id, created_at_ms: nowMs,
    };
    await tx.run(`INSERT INTO acquirer_subscriptions (${SUBSCRIPTION_COLUMNS}) VALUES (${SUBSCRIPTION_COLUMNS.split(', ').map(() => '?').join(', ')})`, SUBSCRIPTION_COLUMNS.split(', ').map((column) => row[column as keyof SubscriptionRow]));
    for (const item of input.items) {
      await tx.run('INSERT INTO acquirer_subscription_items (id, merchant_id, subscription_id, price_id, quantity, metadata, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        d.ids.next('si'), merchantId, id, item.priceId, item.quantity, JSON.stringify(item.metadata), nowMs,
      ]);
    }
    const items = await subscriptionItems(tx, id);
    const eventDeps = { ids: d.ids, nowMs };
    await recordEvent(tx, eventDeps, { merchantId, type: 'customer.subscription.created', object: subscriptionObject(row, items), request: request(call) });
    await createInvoice(tx, { ids: d.ids, payments: d.payments }, {
      id: invoiceId, subscription: row, items, billingReason: 'subscription_create', billed: first,
      period: { startMs: nowMs, endMs: nowMs }, paymentMethodId, nowMs, serverNowMs: call.nowMs,
    });
    return { row, invoiceId };
  }

  const retrieve: StripeEndpoint<{ id: string }> = {
    method: 'GET',
    url: '/subscriptions/:id',
    summary: 'Retrieve a subscription',
    parse: (_p, call) => ({ id: call.path.id! }),
    run: async (input, call) => loadSubscriptionObject(deps.db, await requireSubscription(deps.db, call.merchant.id, input.id)),
  };

  const update: StripeEndpoint<UpdateInput> = {
    method: 'POST',
    url: '/subscriptions/:id',
    summary: 'Update a subscription: cancel_at_period_end, default_payment_method, description, metadata, cancellation_details',
    parse: (p, call) => {
      const details = p.object('cancellation_details');
      return {
        id: call.path.id!,
        cancelAtPeriodEnd: p.boolean('cancel_at_period_end'),
        defaultPaymentMethodId: emptyIsNull(p.string('default_payment_method', { maxChars: 64 })),
        description: emptyIsNull(p.string('description', { maxChars: DESCRIPTION_MAX_CHARS })),
        metadata: p.metadata(),
        comment: emptyIsNull(details?.string('comment', { maxChars: COMMENT_MAX_CHARS })),
        feedback: parseFeedback(details),
      };
    },
    run: async (input, call) => {
      const row = await deps.db.transaction(async (tx) => {
        const before = await requireSubscription(tx, call.merchant.id, input.id, 'id', true);
        const onlyMetadata = input.cancelAtPeriodEnd === undefined && input.defaultPaymentMethodId === undefined && input.description === undefined;
        if (before.status === 'canceled' && !onlyMetadata) {
          throw new AcquirerError('subscription_unexpected_state', 'A canceled subscription can only update its cancellation_details and metadata.');
        }
        if (typeof input.defaultPaymentMethodId === 'string') await checkAttached(tx, call.merchant.id, before.customer_id, input.defaultPaymentMethodId);
        const nowMs = await timeOfCustomer(tx, call.merchant.id, before.customer_id, call.nowMs);
        const cancel = input.cancelAtPeriodEnd;
        const after: SubscriptionRow = {
          ...before,
          cancel_at_period_end: cancel === undefined ? before.cancel_at_period_end : cancel ? 1 : 0,
          // As Stripe shows it: the time of the request that asked to cancel at the period's end, cleared when it is undone.
          canceled_at_ms: cancel === undefined || before.status === 'canceled' ? before.canceled_at_ms : cancel ? nowMs : null,
          cancellation_reason: cancel === undefined || before.status === 'canceled' ? before.cancellation_reason : cancel ? 'cancellation_requested' : null,
          default_payment_method_id: input.defaultPaymentMethodId === undefined ? before.default_payment_method_id : input.defaultPaymentMethodId,
          description: input.description === undefined ? before.description : input.description,
          metadata: JSON.stringify(updateMetadata(JSON.parse(before.metadata) as Metadata, input.metadata)),
          cancellation_comment: input.comment === undefined ? before.cancellation_comment : input.comment,
          cancellation_feedback: input.feedback === undefined ? before.cancellation_feedback : input.feedback,
        };
        const items = await subscriptionItems(tx, before.id);
        const changed = previousAttributes(subscriptionObject(before, items), subscriptionObject(after, items));
        if (changed === undefined) return before;
        await saveSubscription(tx, after);
        await recordEvent(tx, { ids: deps.ids, nowMs }, { merchantId: call.merchant.id, type: 'customer.subscription.updated', object: subscriptionObject(after, items), previousAttributes: changed, request: request(call) });
        return after;
      });
      return loadSubscriptionObject(deps.db, row);
    },
  };

  const cancel: StripeEndpoint<{ id: string; comment: string | null | undefined; feedback: (typeof FEEDBACK)[number] | undefined }> = {
    method: 'DELETE',
    url: '/subscriptions/:id',
    summary: 'Cancel a subscription now (its open invoices stay open)',
    parse: (p, call) => {
      const details = p.object('cancellation_details');
      return { id: call.path.id!, comment: emptyIsNull(details?.string('comment', { maxChars: COMMENT_MAX_CHARS })), feedback: details?.enumOf('feedback', FEEDBACK) };
    },
    run: async (input, call) => {
      const row = await deps.db.transaction(async (tx) => {
        const before = await requireSubscription(tx, call.merchant.id, input.id, 'id', true);
        if (before.status === 'canceled') throw new AcquirerError('subscription_unexpected_state', `The subscription ${before.id} is already canceled.`);
        const nowMs = await timeOfCustomer(tx, call.merchant.id, before.customer_id, call.nowMs);
        const after: SubscriptionRow = {
          ...before,
          status: 'canceled',
          canceled_at_ms: nowMs,
          ended_at_ms: nowMs,
          cancellation_reason: 'cancellation_requested',
          cancellation_comment: input.comment ?? before.cancellation_comment,
          cancellation_feedback: input.feedback ?? before.cancellation_feedback,
        };
        await saveSubscription(tx, after);
        const items = await subscriptionItems(tx, before.id);
        await recordEvent(tx, { ids: deps.ids, nowMs }, { merchantId: call.merchant.id, type: 'customer.subscription.deleted', object: subscriptionObject(after, items), request: request(call) });
        return after;
      });
      return loadSubscriptionObject(deps.db, row);
    },
  };

  const list: StripeEndpoint<{ query: ListQuery; customer: string | undefined; status: (typeof LIST_STATUSES)[number] | undefined; price: string | undefined }> = {
    method: 'GET',
    url: '/subscriptions',
    summary: 'List subscriptions (all but canceled ones unless status says otherwise)',
    parse: (p) => ({
      query: parseListQuery(p),
      customer: p.string('customer', { maxChars: 64, pattern: ID, what: 'not a customer id' }),
      status: p.enumOf('status', LIST_STATUSES),
      price: p.string('price', { maxChars: 64, pattern: ID, what: 'not a price id' }),
    }),
    run: async (input, call) => {
      let where = 'merchant_id = ?';
      const params: unknown[] = [call.merchant.id];
      if (input.customer !== undefined) {
        where += ' AND customer_id = ?';
        params.push(input.customer);
      }
      if (input.status === undefined) where += " AND status <> 'canceled'";
      else if (input.status !== 'all') {
        where += ' AND status = ?';
        params.push(input.status satisfies SubscriptionStatus);
      }
      if (input.price !== undefined) {
        where += ' AND id IN (SELECT subscription_id FROM acquirer_subscription_items WHERE price_id = ?)';
        params.push(input.price);
      }
      const page = await listPage<SubscriptionRow>(deps.db, { table: 'acquirer_subscriptions', columns: SUBSCRIPTION_COLUMNS, where, params, query: input.query });
      const data = [];
      for (const row of page.rows) data.push(await loadSubscriptionObject(deps.db, row));
      return stripeList('/v1/subscriptions', data, page.hasMore);
    },
  };

  return [create, retrieve, update, cancel, list];
}

/** Every item bills a recurring, active price, all in one currency and on one schedule (Stripe's rule). */
function checkPrices(prices: readonly PriceRow[]): void {
  const first = prices[0]!;
  for (const [index, price] of prices.entries()) {
    const param = `items[${index}][price]`;
    if (price.recurring_interval === null) throw new AcquirerError('parameter_invalid', `The price ${price.id} is a one-time price; a subscription needs recurring prices.`, { param });
    if (Number(price.active) !== 1) throw new AcquirerError('parameter_invalid', `The price ${price.id} is not active, so it cannot be subscribed to.`, { param });
    if (price.currency !== first.currency) throw new AcquirerError('parameter_invalid', 'All prices on a subscription must have the same currency.', { param });
    if (price.recurring_interval !== first.recurring_interval || Number(price.recurring_interval_count) !== Number(first.recurring_interval_count)) {
      throw new AcquirerError('parameter_invalid', 'All prices on a subscription must have the same recurring interval and interval_count.', { param });
    }
  }
  if (new Set(prices.map((price) => price.id)).size !== prices.length) {
    throw new AcquirerError('parameter_invalid', 'A price may appear only once in a subscription’s items; use quantity.', { param: 'items' });
  }
}

/** A payment method the subscription charges must be attached to its customer (else the same `resource_missing` as for another merchant's). */
async function checkAttached(tx: Tx, merchantId: string, customerId: string, paymentMethodId: string): Promise<void> {
  const pm = await tx.get<{ customer_id: string | null }>('SELECT customer_id FROM acquirer_payment_methods WHERE id = ? AND merchant_id = ?', [paymentMethodId, merchantId]);
  if (pm === undefined) throw noSuchObject(`No such PaymentMethod: '${paymentMethodId}'`, 'default_payment_method');
  if (pm.customer_id !== customerId) {
    throw new AcquirerError('parameter_invalid', `The customer does not have a payment method with the ID ${paymentMethodId}. The payment method must be attached to the customer.`, { param: 'default_payment_method' });
  }
}

/** Stripe's cancellation feedback: one of its words, or empty to clear it. */
function parseFeedback(details: Params | undefined): (typeof FEEDBACK)[number] | null | undefined {
  const value = details?.string('feedback', { maxChars: 40 });
  if (value === undefined || value === '') return value === '' ? null : undefined;
  if (!(FEEDBACK as readonly string[]).includes(value)) {
    throw new AcquirerError('parameter_invalid', `Invalid cancellation_details[feedback]: must be one of ${FEEDBACK.join(', ')}`, { param: 'cancellation_details[feedback]' });
  }
  return value as (typeof FEEDBACK)[number];
}

function emptyIsNull(value: string | undefined): string | null | undefined {
  return value === '' ? null : value;
}
