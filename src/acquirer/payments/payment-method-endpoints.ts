import { AcquirerError } from '../errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import type { CvcCache } from '../cards/vault.ts';
import { listPage, parseListQuery, stripeList } from '../stripe/list.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { verifyCard } from './card-verification.ts';
import {
  findPaymentMethod,
  paymentMethodObject,
  requirePaymentMethod,
  setPaymentMethodCustomer,
} from './payment-method-store.ts';
import { lockPaymentMethodWithCustomer } from './payment-method-locks.ts';
import { billingCountry, CardSources, parseCardDetails, parseCardSource, type CardSource } from './card-sources.ts';
import { clearDefaultPaymentMethod, getCustomer, noSuchCustomer, requireCustomer } from '../customers/customers.ts';
import { recordEvent } from '../events/events.ts';
import { objectIdPattern } from '../stripe/object-ids.ts';
import { PAYMENT_METHOD_RATE_LIMITS, paymentMethodRateGate, type PaymentMethodRateGate, type PaymentMethodRateLimits } from './payment-method-rate-limits.ts';

const ID = objectIdPattern;

export function paymentMethodEndpoints(
  deps: AcquirerDeps,
  cvcCache: CvcCache,
  rateLimits: PaymentMethodRateLimits = PAYMENT_METHOD_RATE_LIMITS,
  // One per process (the endpoints are built once by the module), shared with the confirms that take card data.
  rateGate: PaymentMethodRateGate = paymentMethodRateGate(deps.clock, rateLimits),
): StripeEndpoint<any>[] {
  const cards = new CardSources(deps, cvcCache);
  return [
    {
      method: 'POST',
      url: '/payment_methods',
      summary: 'Create a card PaymentMethod from card details (test mode)',
      allowPublishable: true,
      parse: (p, call) => {
        // First, so a refused call reads nothing, changes nothing and keeps no idempotency key.
        rateGate(call);
        p.enumOf('type', ['card'], { required: true });
        return parseCardSource(p, call.nowMs);
      },
      run: async (source: CardSource, call) => paymentMethodObject(await cards.vault(call.merchant.id, source, call.nowMs, call.recovery)),
      resume: async (source: CardSource, call, pmId) => paymentMethodObject(await cards.resumeVault(call.merchant.id, source, pmId, call.nowMs)),
    },
    {
      method: 'GET',
      url: '/payment_methods/:id',
      summary: 'Retrieve a PaymentMethod',
      parse: () => ({}),
      run: async (_input, call) => paymentMethodObject(await requirePaymentMethod(deps.db, call.merchant.id, call.path.id!, 'payment_method', { namedIn: 'path' })),
    },
    {
      method: 'POST',
      url: '/payment_methods/:id/attach',
      summary: 'Attach a PaymentMethod to a customer (the card is verified first, as at Stripe)',
      parse: (p) => ({ customer: p.requiredString('customer', { pattern: ID('cus'), what: 'not a customer id' }), expand: p.expand() }),
      run: async ({ customer }, call) => {
        // `pm_card_visa` attaches a new payment method made from that test card, as at Stripe.
        const id = await cards.resolve(call.merchant.id, call.path.id!, call.nowMs);
        const pm = await requirePaymentMethod(deps.db, call.merchant.id, id, 'payment_method', { namedIn: 'path' });
        await requireCustomer(deps.db, call.merchant.id, customer, 'customer');
        if (pm.customerId === customer) return paymentMethodObject(pm);
        if (pm.customerId !== null) {
          throw new AcquirerError('payment_method_unexpected_state', 'The payment method you provided has already been attached to a customer.', { param: 'payment_method' });
        }
        await verifyCard(deps, cvcCache, { merchant: call.merchant, pm, customerId: customer, setupIntentId: null, nowMs: call.nowMs });
        const attached = await deps.db.transaction(async (tx) => {
          // The customer's row first, then the payment method's: the house's lock order (payment-method-locks.ts).
          // Locked live, so a card is never attached to a customer deleted while it was being verified.
          await requireCustomer(tx, call.merchant.id, customer, 'customer', true);
          const current = (await findPaymentMethod(tx, call.merchant.id, pm.id, { lock: true }))!;
          if (current.customerId !== null && current.customerId !== customer) {
            throw new AcquirerError('payment_method_unexpected_state', 'The payment method you provided has already been attached to a customer.', { param: 'payment_method' });
          }
          // Attached to this customer meanwhile (a concurrent attach, a set-up or payment that saved it): already
          // done and announced once; attaching again would send a second payment_method.attached.
          if (current.customerId === customer) return current;
          await setPaymentMethodCustomer(tx, current, customer, call.nowMs);
          const now = { ...current, customerId: customer };
          await recordEvent(tx, { ids: deps.ids, nowMs: call.nowMs }, { merchantId: call.merchant.id, type: 'payment_method.attached', object: paymentMethodObject(now) });
          return now;
        });
        return paymentMethodObject(attached);
      },
    },
    {
      method: 'POST',
      url: '/payment_methods/:id/detach',
      summary: 'Detach a PaymentMethod from its customer',
      parse: (p) => ({ expand: p.expand() }),
      run: async (_input, call) => {
        const detached = await deps.db.transaction(async (tx) => {
          // Its customer's row locked before its own, as deleting that customer locks them (payment-method-locks.ts).
          const pm = await lockPaymentMethodWithCustomer(tx, call.merchant.id, call.path.id!, 'payment_method', 'path');
          if (pm.customerId === null) throw new AcquirerError('payment_method_unexpected_state', 'The payment method you provided is not attached to a customer so detachment is impossible.', { param: 'payment_method' });
          await setPaymentMethodCustomer(tx, pm, null, call.nowMs);
          // A detached card can no longer be the customer's default (Stripe clears it too).
          await clearDefaultPaymentMethod(tx, { ids: deps.ids, nowMs: call.nowMs }, { merchantId: call.merchant.id, paymentMethodId: pm.id });
          const now = { ...pm, customerId: null };
          await recordEvent(tx, { ids: deps.ids, nowMs: call.nowMs }, { merchantId: call.merchant.id, type: 'payment_method.detached', object: paymentMethodObject(now) });
          return now;
        });
        return paymentMethodObject(detached);
      },
    },
    {
      method: 'GET',
      url: '/payment_methods',
      summary: "List a customer's PaymentMethods",
      parse: (p) => ({ query: parseListQuery(p), customer: p.string('customer', { pattern: ID('cus'), what: 'not a customer id' }), type: p.enumOf('type', ['card']) }),
      run: async ({ query, customer }, call) => {
        if (customer === undefined) {
          throw new AcquirerError('parameter_missing', 'Missing required param: customer. Cardlane lists payment methods per customer.', { param: 'customer' });
        }
        // A customer that is missing, deleted or another merchant's is Stripe's 400 resource_missing (the query names
        // it), not an empty list: an empty list would tell the caller "this customer has no cards".
        await requireCustomer(deps.db, call.merchant.id, customer, 'customer');
        return listOf(deps, call.merchant.id, customer, query, '/v1/payment_methods');
      },
    },
    {
      method: 'GET',
      url: '/customers/:id/payment_methods',
      summary: "List a customer's PaymentMethods",
      parse: (p) => ({ query: parseListQuery(p), type: p.enumOf('type', ['card']) }),
      run: async ({ query }, call) => {
        // The path names this customer (404), though Stripe's `param` calls it `customer`.
        if ((await getCustomer(deps.db, call.merchant.id, call.path.id!)) === undefined) throw noSuchCustomer(call.path.id!, 'customer', 'path');
        return listOf(deps, call.merchant.id, call.path.id!, query, `/v1/customers/${call.path.id}/payment_methods`);
      },
    },
    {
      method: 'POST',
      url: '/tokens',
      summary: 'Create a card token (single use) from card details, as Stripe.js does with the publishable key',
      allowPublishable: true,
      parse: (p, call) => {
        rateGate(call);
        const card = p.object('card', { required: true })!;
        const details = parseCardDetails(card, call.nowMs);
        // Stripe's card token takes the cardholder's name and address inside card[…].
        const name = card.string('name', { maxChars: 200 }) ?? null;
        const field = (key: string, maxChars = 200) => card.string(key, { maxChars }) || null;
        const address = {
          line1: field('address_line1'), line2: field('address_line2'), city: field('address_city'), state: field('address_state'),
          postal_code: field('address_zip', 20), country: billingCountry(card, 'address_country'),
        };
        card.string('currency', { maxChars: 3 });
        p.expand();
        return { details, billing: { name: name === '' ? null : name, email: null, phone: null, address } };
      },
      run: async ({ details, billing }, call) => cards.createToken(call.merchant.id, details, billing, call.clientAddress, call.nowMs),
    },
    {
      method: 'GET',
      url: '/tokens/:id',
      summary: 'Retrieve a card token',
      parse: (p) => ({ expand: p.expand() }),
      run: async (_input, call) => cards.retrieveToken(call.merchant.id, call.path.id!),
    },
  ];
}

/** The payment methods attached to `customer`, which the caller has found to be this merchant's live customer. */
async function listOf(deps: AcquirerDeps, merchantId: string, customer: string, query: ReturnType<typeof parseListQuery>, url: string) {
  const page = await listPage<{ id: string }>(deps.db, {
    table: 'acquirer_payment_methods',
    columns: 'id',
    where: 'merchant_id = ? AND customer_id = ?',
    params: [merchantId, customer],
    query,
  });
  const data = await Promise.all(page.rows.map(async (row) => paymentMethodObject((await findPaymentMethod(deps.db, merchantId, row.id))!)));
  return stripeList(url, data, page.hasMore);
}
