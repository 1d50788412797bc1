import { withStripeDefaults } from '../stripe/stripe-defaults.ts';
import type { Sql, Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { AcquirerError, type AcquirerErrorCode } from '../errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import type { CvcCache } from '../cards/vault.ts';
import { requireCustomer } from '../customers/customers.ts';
import { recordEvent } from '../events/events.ts';
import { listPage, parseListQuery, stripeList } from '../stripe/list.ts';
import { updateMetadata } from '../stripe/params.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { verifyCard } from './card-verification.ts';
import { findPaymentMethod, paymentMethodObject, requirePaymentMethod, setPaymentMethodCustomer } from './payment-method-store.ts';
import { newClientSecret, objectIdPattern } from '../stripe/object-ids.ts';
import type { ClientSecretAccess } from '../stripe/route.ts';
import type { Params } from '../stripe/params.ts';
import { CardSources, parsePaymentMethodData } from './card-sources.ts';
import { PAYMENT_METHOD_REF } from './test-shortcuts.ts';
import { browserExpand } from './payment-intent-endpoints.ts';

/** What Stripe shows a publishable key of a SetupIntent (retrieved or confirmed with its client_secret). */
export const SETUP_INTENT_PUBLIC_FIELDS = [
  'id', 'object', 'automatic_payment_methods', 'cancellation_reason', 'client_secret', 'created', 'description', 'last_setup_error', 'livemode',
  'next_action', 'payment_method', 'payment_method_types', 'status', 'usage',
] as const;

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
 * with `last_setup_error`, and the client gets the card error.
 */

type Status = 'requires_payment_method' | 'requires_confirmation' | 'succeeded' | 'canceled';

interface SetupIntent {
  id: string;
  merchantId: string;
  customerId: string | null;
  paymentMethodId: string | null;
  usage: 'off_session' | 'on_session';
  status: Status;
  latestAttemptId: string | null;
  lastSetupError: Record<string, unknown> | null;
  description: string | null;
  metadata: Record<string, string>;
  clientSecret: string;
  createdAtMs: number;
  canceledAtMs: number | null;
  cancellationReason: string | null;
}

const COLUMNS = `id, merchant_id, customer_id, payment_method_id, usage, status, latest_attempt_id, last_setup_error, description, metadata,
  client_secret, created_at_ms, canceled_at_ms, cancellation_reason`;
const ID = objectIdPattern;

function fromRow(row: any): SetupIntent {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    customerId: row.customer_id,
    paymentMethodId: row.payment_method_id,
    usage: row.usage,
    status: row.status,
    latestAttemptId: row.latest_attempt_id,
    lastSetupError: row.last_setup_error === null ? null : JSON.parse(row.last_setup_error),
    description: row.description,
    metadata: JSON.parse(row.metadata),
    clientSecret: row.client_secret,
    createdAtMs: Number(row.created_at_ms),
    canceledAtMs: row.canceled_at_ms === null ? null : Number(row.canceled_at_ms),
    cancellationReason: row.cancellation_reason,
  };
}

async function requireSetupIntent(sql: Sql, merchantId: string, id: string, lock = false): Promise<SetupIntent> {
  const row = await sql.get(`SELECT ${COLUMNS} FROM acquirer_setup_intents WHERE id = ? AND merchant_id = ? ${lock ? sql.forUpdate : ''}`, [id, merchantId]);
  if (row === undefined) throw new AcquirerError('resource_missing', `No such setupintent: '${id}'`, { param: 'intent' });
  return fromRow(row);
}

async function save(tx: Tx, si: SetupIntent): Promise<void> {
  await tx.run(
    `UPDATE acquirer_setup_intents SET customer_id = ?, payment_method_id = ?, status = ?, latest_attempt_id = ?, last_setup_error = ?, metadata = ?,
       canceled_at_ms = ?, cancellation_reason = ? WHERE id = ?`,
    [si.customerId, si.paymentMethodId, si.status, si.latestAttemptId, si.lastSetupError === null ? null : JSON.stringify(si.lastSetupError),
      JSON.stringify(si.metadata), si.canceledAtMs, si.cancellationReason, si.id],
  );
}

export function setupIntentObject(si: SetupIntent): Record<string, unknown> & { id: string } {
  return withStripeDefaults('setup_intent', {
    id: si.id,
    object: 'setup_intent',
    cancellation_reason: si.cancellationReason,
    client_secret: si.clientSecret,
    created: Math.floor(si.createdAtMs / 1000),
    customer: si.customerId,
    description: si.description,
    last_setup_error: si.lastSetupError,
    latest_attempt: si.latestAttemptId,
    livemode: false,
    metadata: si.metadata,
    next_action: null,
    payment_method: si.paymentMethodId,
    payment_method_types: ['card'],
    status: si.status,
    usage: si.usage,
  });
}

export function setupIntentEndpoints(deps: AcquirerDeps, cvcCache: CvcCache): StripeEndpoint<any>[] {
  const cards = new CardSources(deps, cvcCache);
  const event = (tx: Tx, si: SetupIntent, type: string, nowMs: number) =>
    recordEvent(tx, { ids: deps.ids, nowMs }, { merchantId: si.merchantId, type, object: setupIntentObject(si) });

  async function confirm(merchantId: string, call: Parameters<StripeEndpoint<unknown>['run']>[1], id: string, pmOverride: string | null): Promise<SetupIntent> {
    const si = await requireSetupIntent(deps.db, merchantId, id);
    if (si.status !== 'requires_payment_method' && si.status !== 'requires_confirmation') {
      throw new AcquirerError('setup_intent_unexpected_state', `You cannot confirm this SetupIntent because it has a status of ${si.status}.`);
    }
    const pmId = pmOverride ?? si.paymentMethodId;
    if (pmId === null) throw new AcquirerError('setup_intent_unexpected_state', "You cannot confirm this SetupIntent because it's missing a payment method.", { param: 'payment_method' });
    const pm = await requirePaymentMethod(deps.db, merchantId, pmId);
    if (pm.customerId !== null && si.customerId !== null && pm.customerId !== si.customerId) {
      throw new AcquirerError('parameter_invalid', `The provided PaymentMethod ${pm.id} belongs to a different customer.`, { param: 'payment_method' });
    }
    try {
      const charge = await verifyCard(deps, cvcCache, { merchant: call.merchant, pm, customerId: si.customerId, setupIntentId: si.id, nowMs: call.nowMs });
      return await deps.db.transaction(async (tx) => {
        const current = await requireSetupIntent(tx, merchantId, id, true);
        const fresh = (await findPaymentMethod(tx, merchantId, pm.id, { lock: true }))!;
        if (si.customerId !== null && fresh.customerId === null) {
          await setPaymentMethodCustomer(tx, fresh, si.customerId, call.nowMs);
          // As Stripe sends it when a set-up attaches the card to its customer.
          await recordEvent(tx, { ids: deps.ids, nowMs: call.nowMs }, { merchantId, type: 'payment_method.attached', object: paymentMethodObject({ ...fresh, customerId: si.customerId }) });
        }
        const done: SetupIntent = { ...current, paymentMethodId: pm.id, status: 'succeeded', latestAttemptId: charge.id, lastSetupError: null };
        await save(tx, done);
        await event(tx, done, 'setup_intent.succeeded', call.nowMs);
        return done;
      });
    } catch (error) {
      if (!(error instanceof AppError) || error.type !== 'card_error') throw error;
      const failed = await deps.db.transaction(async (tx) => {
        const current = await requireSetupIntent(tx, merchantId, id, true);
        const lastSetupError = { type: 'card_error', code: error.code, decline_code: error.declineCode ?? null, message: error.message, payment_method: paymentMethodObject(pm) };
        const next: SetupIntent = { ...current, paymentMethodId: pm.id, status: 'requires_payment_method', latestAttemptId: (error.extra?.charge as string) ?? null, lastSetupError };
        await save(tx, next);
        await event(tx, next, 'setup_intent.setup_failed', call.nowMs);
        return next;
      });
      // The card attempt failed with one of the acquirer's own card errors.
      throw new AcquirerError(error.code as AcquirerErrorCode, error.message, { declineCode: error.declineCode, extra: { ...error.extra, setup_intent: setupIntentObject(failed) } });
    }
  }

  return [
    {
      method: 'POST',
      url: '/setup_intents',
      summary: 'Create a SetupIntent (and confirm it with confirm=true)',
      parse: (p) => {
        const types = p.stringList('payment_method_types', { maxItems: 10 });
        if (types !== undefined && types.some((t) => t !== 'card')) throw new AcquirerError('parameter_invalid', 'Cardlane accepts only the card payment method type.', { param: 'payment_method_types' });
        p.string('return_url', { maxChars: 2000 });
        const automatic = p.object('automatic_payment_methods');
        automatic?.boolean('enabled');
        return {
          customer: p.string('customer', { pattern: ID('cus'), what: 'not a customer id' }) ?? null,
          paymentMethod: paymentMethodRef(p) ?? null,
          usage: p.enumOf('usage', ['off_session', 'on_session']) ?? 'off_session',
          confirm: p.boolean('confirm') ?? false,
          description: p.string('description', { maxChars: 1000 }) ?? null,
          metadata: updateMetadata({}, p.metadata()),
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
          };
          await tx.run(`INSERT INTO acquirer_setup_intents (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
            created.id, created.merchantId, created.customerId, created.paymentMethodId, created.usage, created.status, null, null,
            created.description, JSON.stringify(created.metadata), created.clientSecret, created.createdAtMs, null, null,
          ]);
          await event(tx, created, 'setup_intent.created', call.nowMs);
          await call.recovery.record(tx, id);
          return created;
        });
        return setupIntentObject(input.confirm ? await confirm(call.merchant.id, call, si.id, null) : si);
      },
      // A create cut short after it committed: that setup intent, confirmed now if it was to be and is not yet
      // (a verification the cut request began is released by the sweep; a new one goes out with its own id).
      resume: async (parsed, call, setupIntentId) => {
        const si = await requireSetupIntent(deps.db, call.merchant.id, setupIntentId);
        const unconfirmed = si.status === 'requires_confirmation' || (si.status === 'requires_payment_method' && si.latestAttemptId === null);
        return setupIntentObject(parsed.confirm && unconfirmed ? await confirm(call.merchant.id, call, si.id, null) : si);
      },
    },
    {
      method: 'GET',
      url: '/setup_intents/:id',
      summary: 'Retrieve a SetupIntent (with a publishable key: its client_secret is required)',
      clientSecret: SETUP_INTENT_CLIENT_SECRET,
      parse: (p) => ({ expand: p.expand(), secret: p.string('client_secret', { maxChars: 200 }) }),
      run: async (_input, call) => setupIntentObject(await requireSetupIntent(deps.db, call.merchant.id, call.path.id!)),
    },
    {
      method: 'POST',
      url: '/setup_intents/:id/confirm',
      summary: 'Confirm a SetupIntent: verify the card and save it to the customer; with a publishable key and the client_secret, as Stripe.js does',
      clientSecret: SETUP_INTENT_CLIENT_SECRET,
      parse: (p, call) => {
        p.string('client_secret', { maxChars: 200 });
        p.string('return_url', { maxChars: 2000 });
        p.string('use_stripe_sdk', { maxChars: 5 });
        const paymentMethodData = parsePaymentMethodData(p, call.nowMs);
        const paymentMethod = paymentMethodRef(p) ?? null;
        if (paymentMethodData !== undefined && paymentMethod !== null) {
          throw new AcquirerError('parameter_invalid', 'You may only specify one of these parameters: payment_method, payment_method_data.', { param: 'payment_method_data' });
        }
        return { paymentMethod, paymentMethodData, expand: call.keyKind === 'publishable' ? browserExpand(p) : p.expand() };
      },
      run: async ({ paymentMethod, paymentMethodData }, call) => {
        const pmId = paymentMethodData !== undefined ? (await cards.vault(call.merchant.id, paymentMethodData, call.nowMs)).id : await cards.resolveOptional(call.merchant.id, paymentMethod, call.nowMs);
        return setupIntentObject(await confirm(call.merchant.id, call, call.path.id!, pmId));
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
            if (si.status === 'succeeded' || si.status === 'canceled') {
              throw new AcquirerError('setup_intent_unexpected_state', `You cannot cancel this SetupIntent because it has a status of ${si.status}.`);
            }
            const canceled: SetupIntent = { ...si, status: 'canceled', canceledAtMs: call.nowMs, cancellationReason: reason };
            await save(tx, canceled);
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
          columns: COLUMNS,
          where: customer === undefined ? 'merchant_id = ?' : 'merchant_id = ? AND customer_id = ?',
          params: customer === undefined ? [call.merchant.id] : [call.merchant.id, customer],
          query,
        });
        return stripeList('/v1/setup_intents', page.rows.map((row) => setupIntentObject(fromRow(row))), page.hasMore);
      },
    },
  ];
}
