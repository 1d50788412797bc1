import { AcquirerError } from '../errors.ts';
import { isLuhnValid } from '../../platform/pan-scrub.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { cardFingerprint, sealPan, type CvcCache } from '../cards/vault.ts';
import { listPage, parseListQuery, stripeList } from '../stripe/list.ts';
import { updateMetadata, type Params } from '../stripe/params.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { verifyCard } from './card-verification.ts';
import {
  findPaymentMethod,
  insertPaymentMethod,
  paymentMethodObject,
  requirePaymentMethod,
  setPaymentMethodCustomer,
  type BillingDetails,
  type PaymentMethod,
} from './payment-method-store.ts';
import { clearDefaultPaymentMethod, requireCustomer } from '../customers/customers.ts';
import { recordEvent } from '../events/events.ts';
import { objectIdPattern } from '../stripe/object-ids.ts';
import { PAYMENT_METHOD_RATE_LIMITS, paymentMethodRateGate, type PaymentMethodRateLimits } from './payment-method-rate-limits.ts';

const ID = objectIdPattern;

interface NewCard {
  readonly pan: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cvc: string | null;
  readonly billing: BillingDetails;
  readonly metadata: Record<string, string>;
}

export function paymentMethodEndpoints(deps: AcquirerDeps, cvcCache: CvcCache, rateLimits: PaymentMethodRateLimits = PAYMENT_METHOD_RATE_LIMITS): StripeEndpoint<any>[] {
  // One per process: the endpoints are built once by the module.
  const rateGate = paymentMethodRateGate(deps.clock, rateLimits);
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
        return parseNewCard(p, call.nowMs);
      },
      run: async (card: NewCard, call) => {
        const info = deps.network.lookupCard(card.pan);
        const pm: PaymentMethod = {
          id: deps.ids.next('pm'),
          merchantId: call.merchant.id,
          customerId: null,
          panSealed: sealPan(deps.vaultKey, card.pan, deps.random),
          fingerprint: cardFingerprint(deps.vaultKey, card.pan),
          // Asked of the network as a PAR inquiry when the card is vaulted, so the number never has to be opened again to link it.
          paymentAccountReference: deps.network.paymentAccountReference?.(card.pan) ?? null,
          bin: card.pan.slice(0, 6),
          last4: card.pan.slice(-4),
          brand: info?.brand ?? 'unknown',
          country: info?.country ?? null,
          funding: info?.funding ?? 'unknown',
          expMonth: card.expMonth,
          expYear: card.expYear,
          billingDetails: card.billing,
          checks: {
            address_line1_check: card.billing.address.line1 === null ? null : 'unchecked',
            address_postal_code_check: card.billing.address.postal_code === null ? null : 'unchecked',
            cvc_check: card.cvc === null ? null : 'unchecked',
          },
          metadata: card.metadata,
          createdAtMs: call.nowMs,
        };
        await deps.db.transaction((tx) => insertPaymentMethod(tx, pm));
        if (card.cvc !== null) cvcCache.put(call.merchant.id, pm.id, card.cvc, call.nowMs);
        return paymentMethodObject(pm);
      },
    },
    {
      method: 'GET',
      url: '/payment_methods/:id',
      summary: 'Retrieve a PaymentMethod',
      parse: () => ({}),
      run: async (_input, call) => paymentMethodObject(await requirePaymentMethod(deps.db, call.merchant.id, call.path.id!, 'payment_method')),
    },
    {
      method: 'POST',
      url: '/payment_methods/:id/attach',
      summary: 'Attach a PaymentMethod to a customer (the card is verified first, as at Stripe)',
      parse: (p) => ({ customer: p.requiredString('customer', { pattern: ID('cus'), what: 'not a customer id' }), expand: p.expand() }),
      run: async ({ customer }, call) => {
        const pm = await requirePaymentMethod(deps.db, call.merchant.id, call.path.id!, 'payment_method');
        await requireCustomer(deps.db, call.merchant.id, customer, 'customer');
        if (pm.customerId === customer) return paymentMethodObject(pm);
        if (pm.customerId !== null) {
          throw new AcquirerError('payment_method_unexpected_state', 'The payment method you provided has already been attached to a customer.', { param: 'payment_method' });
        }
        await verifyCard(deps, cvcCache, { merchant: call.merchant, pm, customerId: customer, setupIntentId: null, nowMs: call.nowMs });
        const attached = await deps.db.transaction(async (tx) => {
          const current = (await findPaymentMethod(tx, call.merchant.id, pm.id, { lock: true }))!;
          if (current.customerId !== null && current.customerId !== customer) {
            throw new AcquirerError('payment_method_unexpected_state', 'The payment method you provided has already been attached to a customer.', { param: 'payment_method' });
          }
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
          const pm = await requirePaymentMethod(tx, call.merchant.id, call.path.id!, 'payment_method', { lock: true });
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
      run: async ({ query, customer }, call) => listOf(deps, call.merchant.id, customer, query, '/v1/payment_methods'),
    },
    {
      method: 'GET',
      url: '/customers/:id/payment_methods',
      summary: "List a customer's PaymentMethods",
      parse: (p) => ({ query: parseListQuery(p), type: p.enumOf('type', ['card']) }),
      run: async ({ query }, call) => {
        await requireCustomer(deps.db, call.merchant.id, call.path.id!, 'customer');
        return listOf(deps, call.merchant.id, call.path.id!, query, `/v1/customers/${call.path.id}/payment_methods`);
      },
    },
  ];
}

async function listOf(deps: AcquirerDeps, merchantId: string, customer: string | undefined, query: ReturnType<typeof parseListQuery>, url: string) {
  if (customer === undefined) {
    throw new AcquirerError('parameter_missing', 'Missing required param: customer. Cardlane lists payment methods per customer.', { param: 'customer' });
  }
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

function parseNewCard(p: Params, nowMs: number): NewCard {
  const card = p.object('card', { required: true })!;
  const rawNumber = card.requiredString('number', { maxChars: 40 }).replace(/[\s-]/g, '');
  const expMonth = card.integer('exp_month', { required: true })!;
  let expYear = card.integer('exp_year', { required: true })!;
  const cvc = card.string('cvc', { maxChars: 10 }) ?? null;
  const param = (name: string) => ({ param: `card[${name}]` });
  if (!/^\d{12,19}$/.test(rawNumber)) throw new AcquirerError('invalid_number', 'Your card number is not a valid credit card number.', param('number'));
  if (!isLuhnValid(rawNumber)) throw new AcquirerError('incorrect_number', 'Your card number is incorrect.', param('number'));
  if (expMonth < 1 || expMonth > 12) throw new AcquirerError('invalid_expiry_month', "Your card's expiration month is invalid.", param('exp_month'));
  if (expYear >= 0 && expYear < 100) expYear += 2000;
  const now = new Date(nowMs);
  const nowYear = now.getUTCFullYear();
  if (expYear < nowYear || expYear > nowYear + 50 || (expYear === nowYear && expMonth < now.getUTCMonth() + 1)) {
    throw new AcquirerError('invalid_expiry_year', "Your card's expiration year is invalid.", param('exp_year'));
  }
  if (cvc !== null && !/^\d{3,4}$/.test(cvc)) throw new AcquirerError('invalid_cvc', "Your card's security code is invalid.", param('cvc'));
  const billing = p.object('billing_details');
  const address = billing?.object('address');
  const text = (from: Params | undefined, name: string, maxChars = 200) => {
    const value = from?.string(name, { maxChars });
    return value === undefined || value === '' ? null : value;
  };
  const country = text(address, 'country', 2);
  return {
    pan: rawNumber,
    expMonth,
    expYear,
    cvc,
    billing: {
      name: text(billing, 'name'),
      email: text(billing, 'email', 320),
      phone: text(billing, 'phone', 40),
      address: {
        line1: text(address, 'line1'),
        line2: text(address, 'line2'),
        city: text(address, 'city'),
        state: text(address, 'state'),
        postal_code: text(address, 'postal_code', 20),
        country: country === null ? null : country.toUpperCase(),
      },
    },
    metadata: updateMetadata({}, p.metadata()),
  };
}
