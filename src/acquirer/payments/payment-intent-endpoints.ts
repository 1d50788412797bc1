import { expandablePaths } from '../stripe/expand.ts';
import type { Sql } from '../../platform/db/database.ts';
import { AcquirerError } from '../errors.ts';
import { currency as currencyInfo, isCurrencyCode } from '../../platform/money.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import type { CvcCache } from '../cards/vault.ts';
import { expandBelow, expandInList, listPage, parseListQuery, stripeList, type ListQuery } from '../stripe/list.ts';
import { updateMetadata, type Params } from '../stripe/params.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { chargeObject } from './charge-object.ts';
import { findCharge } from './charge-store.ts';
import { findPaymentMethod, paymentMethodObject } from './payment-method-store.ts';
import { basePaymentIntentObject, PAYMENT_INTENT_COLUMNS, paymentIntentFromRow, requirePaymentIntent, type PaymentIntent } from './payment-intent-store.ts';
import { PaymentIntents, type CreateIntentInput } from './payment-intents.ts';
import { objectIdPattern } from '../stripe/object-ids.ts';
import { parseSearchParams, searchPage, searchResult, type SearchFields } from '../stripe/search.ts';
import { customerObject, deletedCustomerObject, findCustomerIncludingDeleted } from '../customers/customers.ts';
import { CardSources, parsePaymentMethodData, type CardSource } from './card-sources.ts';
import { PAYMENT_METHOD_REF, testPaymentMethodPan } from './test-shortcuts.ts';
import { paymentMethodRateGate, type PaymentMethodRateGate } from './payment-method-rate-limits.ts';
import type { ClientSecretAccess } from '../stripe/route.ts';
import { parseAutomaticPaymentMethods, requireReturnUrl } from './automatic-payment-methods.ts';

/** Stripe's minimum charge is $0.50 (or its equivalent); below it card fees exceed the payment. */
const MIN_AMOUNT_MINOR: Record<string, number> = { USD: 50, EUR: 50, GBP: 30, CAD: 50, AUD: 50, SGD: 50, HKD: 400, CNY: 400, JPY: 50, CHF: 50, INR: 50 };
export const MAX_AMOUNT_MINOR = 99_999_999;
const ID = objectIdPattern;
const ACCEPTED_IGNORED = ['error_on_requires_action', 'receipt_email', 'use_stripe_sdk', 'mandate'] as const;

/** What Stripe shows a publishable key of a PaymentIntent (retrieved or confirmed with its client_secret). */
export const PAYMENT_INTENT_PUBLIC_FIELDS = [
  'id', 'object', 'amount', 'automatic_payment_methods', 'canceled_at', 'cancellation_reason', 'capture_method', 'client_secret', 'confirmation_method',
  'created', 'currency', 'description', 'last_payment_error', 'livemode', 'next_action', 'payment_method', 'payment_method_types', 'processing',
  'receipt_email', 'setup_future_usage', 'shipping', 'status',
] as const;

/** What `expand[]` may name on a payment intent (Stripe's expandable fields Cardlane has). */
// What Stripe expands on a payment intent, as the route expands it (stripe/expand.ts): customer, payment_method, latest_charge, and theirs.
export const PAYMENT_INTENT_EXPAND: readonly string[] = expandablePaths({ type: 'payment_intent', list: false });
/** On a list or search result, the same paths inside each item. */
export const PAYMENT_INTENT_LIST_EXPAND = PAYMENT_INTENT_EXPAND.map((path) => `data.${path}`);
/** The fields Stripe's payment intent search supports (besides `metadata['key']`). */
export const PAYMENT_INTENT_SEARCH_FIELDS: SearchFields = { amount: 'number', created: 'number', currency: 'string', customer: 'string', status: 'string' };

const PAYMENT_INTENT_CLIENT_SECRET: ClientSecretAccess = {
  objectName: 'PaymentIntent',
  lookup: async (sql, merchantId, id) =>
    (await sql.get<{ client_secret: string }>('SELECT client_secret FROM acquirer_payment_intents WHERE id = ? AND merchant_id = ?', [id, merchantId]))?.client_secret,
  publicFields: PAYMENT_INTENT_PUBLIC_FIELDS,
};

/** A payment method parameter: a `pm_…` id or one of Stripe's test payment methods (`pm_card_visa`). */
function paymentMethodRef(p: Params): string | undefined {
  return p.string('payment_method', { maxChars: 80, pattern: PAYMENT_METHOD_REF, what: 'not a payment method id' });
}

/**
 * `cardDataGate`: the publishable key's limits on typing in cards, shared with POST /v1/payment_methods
 * (acquirer-endpoints.ts passes one gate to both), so a confirm with `payment_method_data` is no way around them.
 */
export function paymentIntentEndpoints(deps: AcquirerDeps, cvcCache: CvcCache, cardDataGate: PaymentMethodRateGate = paymentMethodRateGate(deps.clock)): StripeEndpoint<any>[] {
  const service = new PaymentIntents(deps, cvcCache);
  const cards = new CardSources(deps, cvcCache);
  const object = (pi: PaymentIntent, expand: string[], origin?: string) => paymentIntentObject(deps.db, withAbsoluteChallengeUrl(pi, origin), expand);
  /** The payment method a confirm uses: `payment_method_data` vaulted now, a test name made real, or the id as given. */
  const paymentMethodFor = async (merchantId: string, ref: string | null, data: CardSource | undefined, nowMs: number): Promise<string | null> =>
    data !== undefined ? (await cards.vault(merchantId, data, nowMs)).id : cards.resolveOptional(merchantId, ref, nowMs);
  return [
    {
      method: 'POST',
      url: '/payment_intents',
      summary: 'Create a PaymentIntent (and confirm it with confirm=true)',
      parse: (p, call) => {
        const input = parseAmount(p);
        const confirm = p.boolean('confirm') ?? false;
        const offSession = p.boolean('off_session') ?? false;
        if (offSession && !confirm) throw new AcquirerError('parameter_invalid', 'off_session can only be set when confirm=true.', { param: 'off_session' });
        readIgnored(p);
        const automaticPaymentMethods = parseAutomaticPaymentMethods(p, paymentMethodTypes(p));
        const captureMethod = p.enumOf('capture_method', ['automatic', 'automatic_async', 'manual']) ?? 'automatic';
        const paymentMethodData = parsePaymentMethodData(p, call.nowMs);
        const paymentMethod = paymentMethodRef(p);
        if (paymentMethodData !== undefined && paymentMethod !== undefined) {
          throw new AcquirerError('parameter_invalid', 'You may only specify one of these parameters: payment_method, payment_method_data.', { param: 'payment_method_data' });
        }
        const create: CreateIntentInput = {
          ...input,
          customerId: p.string('customer', { pattern: ID('cus'), what: 'not a customer id' }) ?? null,
          paymentMethodId: paymentMethod ?? null,
          captureMethod: captureMethod === 'manual' ? 'manual' : 'automatic',
          setupFutureUsage: p.enumOf('setup_future_usage', ['off_session', 'on_session'] as const) ?? null,
          description: p.string('description', { maxChars: 1000 }) ?? null,
          metadata: updateMetadata({}, p.metadata()),
          confirm,
          offSession,
          returnUrl: parseReturnUrl(p) ?? null,
          automaticPaymentMethods,
        };
        // Refused here, before the intent is made, so a create that cannot be confirmed leaves nothing.
        if (confirm && !offSession) requireReturnUrl('Payment Intent', automaticPaymentMethods, create.returnUrl);
        return { create, paymentMethodData, expand: p.expand(PAYMENT_INTENT_EXPAND) };
      },
      run: async ({ create, paymentMethodData, expand }, call) => {
        const paymentMethodId = await paymentMethodFor(call.merchant.id, create.paymentMethodId, paymentMethodData, call.nowMs);
        return object(await service.create(call.merchant, { ...create, paymentMethodId, ...(call.origin ? { origin: call.origin } : {}) }, call.nowMs, call.recovery), expand, call.origin);
      },
      resume: async ({ create, expand }, call, point) => object(await service.resumeCreate(call.merchant, create, point, call.nowMs, call.recovery), expand, call.origin),
    },
    {
      method: 'GET',
      url: '/payment_intents/:id',
      summary: 'Retrieve a PaymentIntent (with a publishable key: its client_secret is required)',
      clientSecret: PAYMENT_INTENT_CLIENT_SECRET,
      parse: (p) => {
        p.string('client_secret', { maxChars: 200 });
        return { expand: p.expand(PAYMENT_INTENT_EXPAND) };
      },
      run: async ({ expand }, call) => {
        const pi = await requirePaymentIntent(deps.db, call.merchant.id, call.path.id!);
        // A challenge past its time is ended when seen (the sweep ends the others), so a retrieve never shows a lapsed next_action.
        if (pi.status === 'requires_action' && pi.authentication !== null && pi.authentication.expiresAtMs <= call.nowMs) {
          return object((await service.continueAfterAuthentication(pi.authentication.id, call.nowMs)) ?? pi, expand, call.origin);
        }
        return object(pi, expand, call.origin);
      },
    },
    {
      method: 'POST',
      url: '/payment_intents/:id',
      summary: 'Update a PaymentIntent',
      parse: (p) => {
        const changes: Parameters<PaymentIntents['update']>[2] = {};
        const amount = p.integer('amount', { min: 1, max: MAX_AMOUNT_MINOR });
        const currency = p.string('currency', { maxChars: 3 });
        if (amount !== undefined) (changes as any).amountMinor = amount;
        if (currency !== undefined) (changes as any).currency = parseCurrency(currency);
        const customer = p.string('customer', { pattern: ID('cus'), what: 'not a customer id' });
        if (customer !== undefined) (changes as any).customerId = customer;
        const pm = paymentMethodRef(p);
        if (pm !== undefined) (changes as any).paymentMethodId = pm;
        const description = p.string('description', { maxChars: 1000 });
        if (description !== undefined) (changes as any).description = description === '' ? null : description;
        const sfu = p.string('setup_future_usage', { maxChars: 20 });
        if (sfu !== undefined) {
          if (sfu !== '' && sfu !== 'off_session' && sfu !== 'on_session') throw new AcquirerError('parameter_invalid', 'Invalid setup_future_usage: must be one of off_session, on_session', { param: 'setup_future_usage' });
          (changes as any).setupFutureUsage = sfu === '' ? null : sfu;
        }
        const capture = p.enumOf('capture_method', ['automatic', 'automatic_async', 'manual']);
        if (capture !== undefined) (changes as any).captureMethod = capture === 'manual' ? 'manual' : 'automatic';
        const metadata = p.metadata();
        paymentMethodTypes(p);
        return { changes, metadata, expand: p.expand(PAYMENT_INTENT_EXPAND) };
      },
      run: async ({ changes, metadata, expand }, call) => {
        const current = await requirePaymentIntent(deps.db, call.merchant.id, call.path.id!);
        if (changes.paymentMethodId !== undefined && changes.paymentMethodId !== null) {
          (changes as any).paymentMethodId = await cards.resolve(call.merchant.id, changes.paymentMethodId, call.nowMs);
        }
        const withMetadata = metadata === undefined ? changes : { ...changes, metadata: updateMetadata(current.metadata, metadata) };
        if (withMetadata.amountMinor !== undefined) checkMinimum(withMetadata.amountMinor, withMetadata.currency ?? current.currency);
        return object(await service.update(call.merchant, call.path.id!, withMetadata), expand, call.origin);
      },
    },
    {
      method: 'POST',
      url: '/payment_intents/:id/confirm',
      summary: 'Confirm a PaymentIntent: authorize the card (and capture unless capture_method=manual); with a publishable key and the client_secret, as Stripe.js does',
      clientSecret: PAYMENT_INTENT_CLIENT_SECRET,
      parse: (p, call) => {
        const browser = call.keyKind === 'publishable';
        p.string('client_secret', { maxChars: 200 });
        readIgnored(p);
        if (!browser) paymentMethodTypes(p);
        const sfu = p.string('setup_future_usage', { maxChars: 20 });
        if (sfu !== undefined && sfu !== '' && sfu !== 'off_session' && sfu !== 'on_session') {
          throw new AcquirerError('parameter_invalid', 'Invalid setup_future_usage: must be one of off_session, on_session', { param: 'setup_future_usage' });
        }
        const paymentMethodData = parsePaymentMethodData(p, call.nowMs);
        // A card typed in with a publishable key: limited as creating a payment method is (else a card tester loops confirm
        // with card after card on one client_secret). Here in parse, so a refusal vaults, sends and keeps nothing.
        if (paymentMethodData !== undefined) cardDataGate(call);
        const paymentMethod = paymentMethodRef(p);
        if (paymentMethodData !== undefined && paymentMethod !== undefined) {
          throw new AcquirerError('parameter_invalid', 'You may only specify one of these parameters: payment_method, payment_method_data.', { param: 'payment_method_data' });
        }
        const returnUrl = parseReturnUrl(p);
        return {
          confirm: {
            ...(returnUrl === undefined ? {} : { returnUrl }),
            paymentMethodId: paymentMethod ?? null,
            // The customer is present in the browser: a publishable key cannot make an off-session payment (the parameter is unknown to it).
            offSession: browser ? false : (p.boolean('off_session') ?? false),
            ...(sfu === undefined ? {} : { setupFutureUsage: sfu === '' ? null : (sfu as 'off_session' | 'on_session') }),
          },
          paymentMethodData,
          expand: browser ? browserExpand(p) : p.expand(PAYMENT_INTENT_EXPAND),
        };
      },
      run: async ({ confirm, paymentMethodData, expand }, call) => {
        // Automatic payment methods that allow redirects need a return_url (this one, or the one kept from before) on an
        // on-session confirm: refused before a card is vaulted or an attempt opened. Only such a confirm reads the intent here.
        if (confirm.returnUrl === undefined && !confirm.offSession) {
          const pi = await requirePaymentIntent(deps.db, call.merchant.id, call.path.id!);
          requireReturnUrl('Payment Intent', pi.automaticPaymentMethods, pi.returnUrl);
        }
        if (paymentMethodData !== undefined || (confirm.paymentMethodId !== null && testPaymentMethodPan(confirm.paymentMethodId) !== undefined)) {
          await service.refuseDeletedCustomer(call.merchant.id, call.path.id!);
        }
        const paymentMethodId = await paymentMethodFor(call.merchant.id, confirm.paymentMethodId, paymentMethodData, call.nowMs);
        return object(await service.confirm(call.merchant, call.path.id!, { ...confirm, paymentMethodId, ...(call.origin ? { origin: call.origin } : {}) }, call.nowMs, call.recovery), expand, call.origin);
      },
      resume: async ({ expand }, call, chargeId) => object(await service.resumeConfirm(call.merchant, chargeId, call.nowMs, call.recovery), expand, call.origin),
    },
    {
      method: 'POST',
      url: '/payment_intents/:id/capture',
      summary: 'Capture an authorized PaymentIntent, all of it or amount_to_capture (the rest is released)',
      parse: (p) => ({ amount: p.integer('amount_to_capture', { min: 1, max: MAX_AMOUNT_MINOR }), finalCapture: p.boolean('final_capture'), expand: p.expand(PAYMENT_INTENT_EXPAND) }),
      run: async ({ amount, expand }, call) => object(await service.capture(call.merchant, call.path.id!, amount, call.nowMs, call.recovery), expand, call.origin),
      resume: async ({ expand }, call, messageId) => object(await service.resumeStep(call.merchant, call.path.id!, messageId, call.nowMs, call.recovery), expand, call.origin),
    },
    {
      method: 'POST',
      url: '/payment_intents/:id/increment_authorization',
      summary: 'Raise an authorized, uncaptured PaymentIntent to a new total (the issuer is asked for the difference)',
      parse: (p) => ({ amount: p.integer('amount', { required: true, min: 1, max: MAX_AMOUNT_MINOR })!, expand: p.expand(PAYMENT_INTENT_EXPAND) }),
      run: async ({ amount, expand }, call) => object(await service.incrementAuthorization(call.merchant, call.path.id!, amount, call.nowMs, call.recovery), expand, call.origin),
      resume: async ({ expand }, call, messageId) => object(await service.resumeStep(call.merchant, call.path.id!, messageId, call.nowMs, call.recovery), expand, call.origin),
    },
    {
      method: 'POST',
      url: '/payment_intents/:id/cancel',
      summary: 'Cancel a PaymentIntent (releases an authorization it holds)',
      parse: (p) => ({ reason: p.enumOf('cancellation_reason', ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned']) ?? null, expand: p.expand(PAYMENT_INTENT_EXPAND) }),
      run: async ({ reason, expand }, call) => object(await service.cancel(call.merchant, call.path.id!, reason, call.nowMs, call.recovery), expand, call.origin),
      resume: async ({ reason, expand }, call) => object(await service.resumeCancel(call.merchant, call.path.id!, reason, call.nowMs, call.recovery), expand, call.origin),
    },
    {
      method: 'GET',
      url: '/payment_intents',
      summary: 'List PaymentIntents, newest first',
      parse: (p) => ({ query: parseListQuery(p), customer: p.string('customer', { pattern: ID('cus'), what: 'not a customer id' }), expand: p.expand(PAYMENT_INTENT_LIST_EXPAND) }),
      run: async ({ query, customer, expand }, call) => {
        const page = await listIntents(deps.db, call.merchant.id, customer, query);
        const inner = expandInList(expand);
        return stripeList('/v1/payment_intents', await Promise.all(page.rows.map((pi) => object(pi, inner))), page.hasMore);
      },
    },
    {
      method: 'GET',
      url: '/payment_intents/search',
      summary: "Search PaymentIntents with Stripe's query language (status:'…', customer:'…', amount>…, metadata['key']:'…'; AND or OR)",
      parse: (p) => ({ search: parseSearchParams(p, 'payment_intents', PAYMENT_INTENT_SEARCH_FIELDS), expand: p.expand(PAYMENT_INTENT_LIST_EXPAND) }),
      run: async ({ search, expand }, call) => {
        const page = await searchPage<any, Record<string, unknown> & { id: string }>(deps.db, {
          table: 'acquirer_payment_intents',
          columns: PAYMENT_INTENT_COLUMNS,
          where: 'merchant_id = ?',
          params: [call.merchant.id],
          input: search,
          toObject: (row) => basePaymentIntentObject(paymentIntentFromRow(row)),
        });
        const inner = expandInList(expand);
        const data = await Promise.all(page.items.map((item) => object(paymentIntentFromRow(item.row), inner)));
        return searchResult('/v1/payment_intents/search', data, page.hasMore, page.nextPage);
      },
    },
  ];
}

export async function paymentIntentObject(sql: Sql, pi: PaymentIntent, expand: readonly string[]): Promise<Record<string, unknown>> {
  const body = basePaymentIntentObject(pi);
  if (expand.includes('latest_charge') && pi.latestChargeId !== null) {
    const charge = await findCharge(sql, pi.merchantId, pi.latestChargeId);
    if (charge) body.latest_charge = await chargeObject(sql, charge, expandBelow(expand, 'latest_charge'));
  }
  if (expand.includes('customer') && pi.customerId !== null) {
    const customer = await findCustomerIncludingDeleted(sql, pi.merchantId, pi.customerId);
    if (customer) body.customer = customer.deleted_at_ms === null ? customerObject(customer) : deletedCustomerObject(customer.id);
  }
  if (expand.includes('payment_method') && pi.paymentMethodId !== null) {
    const pm = await findPaymentMethod(sql, pi.merchantId, pi.paymentMethodId);
    if (pm) body.payment_method = paymentMethodObject(pm);
  }
  return body;
}

async function listIntents(sql: Sql, merchantId: string, customer: string | undefined, query: ListQuery): Promise<{ rows: PaymentIntent[]; hasMore: boolean }> {
  const page = await listPage<any>(sql, {
    table: 'acquirer_payment_intents',
    columns: PAYMENT_INTENT_COLUMNS,
    where: customer === undefined ? 'merchant_id = ?' : 'merchant_id = ? AND customer_id = ?',
    params: customer === undefined ? [merchantId] : [merchantId, customer],
    query,
  });
  return { rows: page.rows.map(paymentIntentFromRow), hasMore: page.hasMore };
}

function parseAmount(p: Params): { amountMinor: number; currency: string } {
  const amountMinor = p.integer('amount', { required: true, min: 1, max: MAX_AMOUNT_MINOR })!;
  const currency = parseCurrency(p.requiredString('currency', { maxChars: 3 }));
  checkMinimum(amountMinor, currency);
  return { amountMinor, currency };
}

export function parseCurrency(raw: string): string {
  const upper = raw.toUpperCase();
  if (!isCurrencyCode(upper)) throw new AcquirerError('parameter_invalid', `Invalid currency: ${raw.toLowerCase()}. Cardlane supports the currencies of its money table.`, { param: 'currency' });
  return upper.toLowerCase();
}

export function checkMinimum(amountMinor: number, currency: string): void {
  const upper = currency.toUpperCase();
  const minimum = MIN_AMOUNT_MINOR[upper] ?? 10 ** currencyInfo(upper).exponent;
  if (amountMinor < minimum) {
    throw new AcquirerError('amount_too_small', `Amount must be at least ${minimum} in the smallest unit of ${currency.toLowerCase()}.`, { param: 'amount' });
  }
}

/** The request's `payment_method_types` (undefined when not sent): cards only. */
function paymentMethodTypes(p: Params): string[] | undefined {
  const types = p.stringList('payment_method_types', { maxItems: 10 });
  if (types !== undefined && types.some((type) => type !== 'card')) {
    throw new AcquirerError('parameter_invalid', 'Cardlane accepts only the card payment method type.', { param: 'payment_method_types' });
  }
  return types;
}

/** A publishable key may expand only the payment method (Stripe.js shows the card). */
export function browserExpand(p: Params): string[] {
  const paths = p.expand();
  for (const path of paths) {
    if (path !== 'payment_method') throw new AcquirerError('parameter_invalid', `This property cannot be expanded with a publishable key (${path}).`, { param: 'expand' });
  }
  return paths;
}

/** Parameters Stripe clients often send that change nothing for card payments without redirects. */
function readIgnored(p: Params): void {
  for (const name of ACCEPTED_IGNORED) {
    if (p.has(name) && name === 'mandate') p.object(name);
    else p.string(name, { maxChars: 2000 });
  }
}

/** Stripe's `return_url`: an absolute http(s) URL (or an app's own scheme), where a 3-D Secure redirect sends the customer back. */
export function parseReturnUrl(p: Params): string | undefined {
  const raw = p.string('return_url', { maxChars: 2000 });
  if (raw === undefined) return undefined;
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    url = null;
  }
  if (url === null || url.protocol === 'javascript:' || url.protocol === 'data:' || url.protocol === 'file:') {
    throw new AcquirerError('parameter_invalid', 'Invalid URL: return_url must be an absolute URL, such as https://example.com/checkout/done.', { param: 'return_url' });
  }
  return raw;
}

/**
 * A challenge opened where no request told the acquirer its own address (a
 * confirm finished by the stuck-payment sweep) holds a path; it is made
 * absolute with the address this client reached the API at.
 */
function withAbsoluteChallengeUrl(pi: PaymentIntent, origin: string | undefined): PaymentIntent {
  if (pi.authentication === null || origin === undefined || !pi.authentication.url.startsWith('/')) return pi;
  return { ...pi, authentication: { ...pi.authentication, url: `${origin}${pi.authentication.url}` } };
}
