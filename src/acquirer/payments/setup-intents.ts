import type { Tx } from '../../platform/db/database.ts';
import { AcquirerError } from '../errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import type { CvcCache } from '../cards/vault.ts';
import { requireCustomer } from '../customers/customers.ts';
import { recordEvent } from '../events/events.ts';
import { listPage, parseListQuery, stripeList } from '../stripe/list.ts';
import { updateMetadata } from '../stripe/params.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { requirePaymentMethod } from './payment-method-store.ts';
import { newClientSecret, objectIdPattern } from '../stripe/object-ids.ts';
import type { ClientSecretAccess } from '../stripe/route.ts';
import type { Params } from '../stripe/params.ts';
import { CardSources, parsePaymentMethodData } from './card-sources.ts';
import { PAYMENT_METHOD_REF, testPaymentMethodPan } from './test-shortcuts.ts';
import { browserExpand, parseReturnUrl } from './payment-intent-endpoints.ts';
import { SetupIntentFlow } from './setup-intent-flow.ts';
import { requireSetupIntent, saveSetupIntent, SETUP_INTENT_COLUMNS, setupIntentFromRow, setupIntentObject, type SetupIntent } from './setup-intent-store.ts';
import { paymentMethodRateGate, type PaymentMethodRateGate } from './payment-method-rate-limits.ts';
import { automaticPaymentMethodsColumns, parseAutomaticPaymentMethods, requireReturnUrl } from './automatic-payment-methods.ts';

export { setupIntentObject };

/** What Stripe shows a publishable key of a SetupIntent (retrieved or confirmed with its client_secret). */
export const SETUP_INTENT_PUBLIC_FIELDS = [
  'id', 'object', 'automatic_payment_methods', 'cancellation_reason', 'client_secret', 'created', 'description', 'last_setup_error', 'livemode',
  'next_action', 'payment_method', 'payment_method_types', 'status', 'usage',
] as const;

const ID = objectIdPattern;

const SETUP_INTENT_CLIENT_SECRET: ClientSecretAccess = {
  objectName: 'SetupIntent',
  lookup: async (sql, merchantId, id) =>
    (await sql.get<{ client_secret: string }>('SELECT client_secret FROM acquirer_setup_intents WHERE id = ? AND merchant_id = ?', [id, merchantId]))?.client_secret,
  publicFields: SETUP_INTENT_PUBLIC_FIELDS,
};

function paymentMethodRef(p: Params): string | undefined {
  return p.string('payment_method', { maxChars: 80, pattern: PAYMENT_METHOD_REF, what: 'not a payment method id' });
}

/**
 * Setup intents: save a card for later (`usage=off_session` by default) by
 * verifying it (see card-verification.ts) and attaching it to the customer.
 * A declined verification leaves the intent in `requires_payment_method`
 * with `last_setup_error`, and the client gets the card error; one the
 * issuer wants authenticated goes through 3-D Secure (setup-intent-flow.ts).
 */

/** `cardDataGate`: as for payment intents, the publishable key's limits on typing in cards (payment-method-rate-limits.ts). */
export function setupIntentEndpoints(deps: AcquirerDeps, cvcCache: CvcCache, cardDataGate: PaymentMethodRateGate = paymentMethodRateGate(deps.clock)): StripeEndpoint<any>[] {
  const cards = new CardSources(deps, cvcCache);
  const event = (tx: Tx, si: SetupIntent, type: string, nowMs: number) =>
    recordEvent(tx, { ids: deps.ids, nowMs }, { merchantId: si.merchantId, type, object: setupIntentObject(si) });

  const flow = new SetupIntentFlow(deps, cvcCache);
  const confirm = (merchantId: string, call: Parameters<StripeEndpoint<unknown>['run']>[1], id: string, pmOverride: string | null, returnUrl?: string | null) =>
    flow.confirm(call.merchant, id, pmOverride, call.nowMs, { ...(returnUrl === undefined ? {} : { returnUrl }), ...(call.origin ? { origin: call.origin } : {}) });

  return [
    {
      method: 'POST',
      url: '/setup_intents',
      summary: 'Create a SetupIntent (and confirm it with confirm=true)',
      parse: (p) => {
        const types = p.stringList('payment_method_types', { maxItems: 10 });
        if (types !== undefined && types.some((t) => t !== 'card')) throw new AcquirerError('parameter_invalid', 'Cardlane accepts only the card payment method type.', { param: 'payment_method_types' });
        const automaticPaymentMethods = parseAutomaticPaymentMethods(p, types);
        const returnUrl = parseReturnUrl(p) ?? null;
        const confirm = p.boolean('confirm') ?? false;
        // Refused here, before the set-up is made, so a create that cannot be confirmed leaves nothing.
        if (confirm) requireReturnUrl('Setup Intent', automaticPaymentMethods, returnUrl);
        return {
          customer: p.string('customer', { pattern: ID('cus'), what: 'not a customer id' }) ?? null,
          paymentMethod: paymentMethodRef(p) ?? null,
          usage: p.enumOf('usage', ['off_session', 'on_session']) ?? 'off_session',
          confirm,
          description: p.string('description', { maxChars: 1000 }) ?? null,
          metadata: updateMetadata({}, p.metadata()),
          returnUrl,
          automaticPaymentMethods,
        };
      },
      run: async (parsed, call) => {
        const input = { ...parsed, paymentMethod: await cards.resolveOptional(call.merchant.id, parsed.paymentMethod, call.nowMs) };
        const si = await deps.db.transaction(async (tx) => {
          if (input.customer !== null) await requireCustomer(tx, call.merchant.id, input.customer, 'customer');
          if (input.paymentMethod !== null) await requirePaymentMethod(tx, call.merchant.id, input.paymentMethod);
          const id = deps.ids.next('seti');
          const created: SetupIntent = {
            id,
            merchantId: call.merchant.id,
            customerId: input.customer,
            paymentMethodId: input.paymentMethod,
            usage: input.usage,
            status: input.paymentMethod === null ? 'requires_payment_method' : 'requires_confirmation',
            latestAttemptId: null,
            lastSetupError: null,
            description: input.description,
            metadata: input.metadata,
            clientSecret: newClientSecret(id, deps.random),
            createdAtMs: call.nowMs,
            canceledAtMs: null,
            cancellationReason: null,
            returnUrl: input.returnUrl,
            authentication: null,
            claimedAtMs: null,
            automaticPaymentMethods: input.automaticPaymentMethods,
          };
          await tx.run(`INSERT INTO acquirer_setup_intents (${SETUP_INTENT_COLUMNS}) VALUES (${Array(21).fill('?').join(', ')})`, [
            created.id, created.merchantId, created.customerId, created.paymentMethodId, created.usage, created.status, null, null,
            created.description, JSON.stringify(created.metadata), created.clientSecret, created.createdAtMs, null, null, created.returnUrl, null, null, null, null,
            ...automaticPaymentMethodsColumns(created.automaticPaymentMethods),
          ]);
          await event(tx, created, 'setup_intent.created', call.nowMs);
          await call.recovery.record(tx, id);
          return created;
        });
        return setupIntentObject(input.confirm ? await confirm(call.merchant.id, call, si.id, null) : si, call.origin);
      },
      // A create cut short after it committed: that setup intent, confirmed now if it was to be and is not yet
      // (one whose confirm had begun is `processing`, and finished by the sweep: SetupIntentFlow.resumeStuck).
      resume: async (parsed, call, setupIntentId) => {
        const si = await requireSetupIntent(deps.db, call.merchant.id, setupIntentId);
        const unconfirmed = si.status === 'requires_confirmation' || (si.status === 'requires_payment_method' && si.latestAttemptId === null);
        return setupIntentObject(parsed.confirm && unconfirmed ? await confirm(call.merchant.id, call, si.id, null) : si, call.origin);
      },
    },
    {
      method: 'GET',
      url: '/setup_intents/:id',
      summary: 'Retrieve a SetupIntent (with a publishable key: its client_secret is required)',
      clientSecret: SETUP_INTENT_CLIENT_SECRET,
      parse: (p) => ({ expand: p.expand(), secret: p.string('client_secret', { maxChars: 200 }) }),
      run: async (_input, call) => {
        const si = await requireSetupIntent(deps.db, call.merchant.id, call.path.id!);
        // A challenge past its time is ended when looked at (as the sweep would), so the merchant never sees a stale requires_action.
        if (si.status === 'requires_action' && si.authentication !== null && si.authentication.expiresAtMs <= call.nowMs) {
          return setupIntentObject((await flow.continueAfterAuthentication(si.authentication.id, call.nowMs)) ?? si, call.origin);
        }
        return setupIntentObject(si, call.origin);
      },
    },
    {
      method: 'POST',
      url: '/setup_intents/:id/confirm',
      summary: 'Confirm a SetupIntent: verify the card and save it to the customer; with a publishable key and the client_secret, as Stripe.js does',
      clientSecret: SETUP_INTENT_CLIENT_SECRET,
      parse: (p, call) => {
        p.string('client_secret', { maxChars: 200 });
        const returnUrl = parseReturnUrl(p);
        p.string('use_stripe_sdk', { maxChars: 5 });
        const paymentMethodData = parsePaymentMethodData(p, call.nowMs);
        // Card data typed in with a publishable key: the same limits as creating a payment method (a refusal changes nothing).
        if (paymentMethodData !== undefined) cardDataGate(call);
        const paymentMethod = paymentMethodRef(p) ?? null;
        if (paymentMethodData !== undefined && paymentMethod !== null) {
          throw new AcquirerError('parameter_invalid', 'You may only specify one of these parameters: payment_method, payment_method_data.', { param: 'payment_method_data' });
        }
        return { paymentMethod, paymentMethodData, returnUrl, expand: call.keyKind === 'publishable' ? browserExpand(p) : p.expand() };
      },
      run: async ({ paymentMethod, paymentMethodData, returnUrl }, call) => {
        // Automatic payment methods that allow redirects need a return_url (this one, or the one kept from before): refused
        // before a card is vaulted, so the refusal leaves nothing. Only a confirm without one has the set-up to read.
        if (returnUrl === undefined) {
          const si = await requireSetupIntent(deps.db, call.merchant.id, call.path.id!);
          requireReturnUrl('Setup Intent', si.automaticPaymentMethods, si.returnUrl);
        }
        if (paymentMethodData !== undefined || (paymentMethod !== null && testPaymentMethodPan(paymentMethod) !== undefined)) {
          await flow.refuseDeletedCustomer(call.merchant.id, call.path.id!);
        }
        const pmId = paymentMethodData !== undefined ? (await cards.vault(call.merchant.id, paymentMethodData, call.nowMs)).id : await cards.resolveOptional(call.merchant.id, paymentMethod, call.nowMs);
        return setupIntentObject(await confirm(call.merchant.id, call, call.path.id!, pmId, returnUrl), call.origin);
      },
    },
    {
      method: 'POST',
      url: '/setup_intents/:id/cancel',
      summary: 'Cancel a SetupIntent',
      parse: (p) => ({ reason: p.enumOf('cancellation_reason', ['abandoned', 'requested_by_customer', 'duplicate']) ?? null }),
      run: async ({ reason }, call) =>
        setupIntentObject(
          await deps.db.transaction(async (tx) => {
            const si = await requireSetupIntent(tx, call.merchant.id, call.path.id!, true);
            // As at Stripe, a set-up `processing` cannot be canceled: its verification is out at the issuer, and only its
            // confirm (or the sweep, after a crash) learns the answer and releases what must not stand. A cancel that won
            // would leave an approved verification hold that nobody looks at again.
            if (si.status === 'succeeded' || si.status === 'canceled' || si.status === 'processing') {
              throw new AcquirerError('setup_intent_unexpected_state', `You cannot cancel this SetupIntent because it has a status of ${si.status}.`);
            }
            const canceled: SetupIntent = { ...si, status: 'canceled', canceledAtMs: call.nowMs, cancellationReason: reason };
            await saveSetupIntent(tx, canceled);
            await event(tx, canceled, 'setup_intent.canceled', call.nowMs);
            return canceled;
          }),
        ),
    },
    {
      method: 'GET',
      url: '/setup_intents',
      summary: 'List SetupIntents, newest first',
      parse: (p) => ({ query: parseListQuery(p), customer: p.string('customer', { pattern: ID('cus'), what: 'not a customer id' }) }),
      run: async ({ query, customer }, call) => {
        const page = await listPage<any>(deps.db, {
          table: 'acquirer_setup_intents',
          columns: SETUP_INTENT_COLUMNS,
          where: customer === undefined ? 'merchant_id = ?' : 'merchant_id = ? AND customer_id = ?',
          params: customer === undefined ? [call.merchant.id] : [call.merchant.id, customer],
          query,
        });
        return stripeList('/v1/setup_intents', page.rows.map((row) => setupIntentObject(setupIntentFromRow(row))), page.hasMore);
      },
    },
  ];
}
