import { withStripeDefaults } from '../stripe/stripe-defaults.ts';
import type { Sql, Tx } from '../../platform/db/database.ts';
import { noSuchObject } from '../errors.ts';
import { automaticPaymentMethodsColumns, automaticPaymentMethodsFromColumns, automaticPaymentMethodsObject, type AutomaticPaymentMethods } from './automatic-payment-methods.ts';

/** Payment intent rows and their Stripe objects (statuses as Stripe's). */

export type PaymentIntentStatus = 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'requires_capture' | 'canceled' | 'succeeded';

export interface PaymentIntent {
  readonly id: string;
  readonly merchantId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly customerId: string | null;
  readonly paymentMethodId: string | null;
  readonly captureMethod: 'automatic' | 'manual';
  readonly setupFutureUsage: 'off_session' | 'on_session' | null;
  readonly status: PaymentIntentStatus;
  readonly amountCapturableMinor: number;
  readonly amountReceivedMinor: number;
  readonly latestChargeId: string | null;
  readonly lastPaymentError: Record<string, unknown> | null;
  readonly description: string | null;
  readonly metadata: Record<string, string>;
  readonly clientSecret: string;
  readonly createdAtMs: number;
  readonly canceledAtMs: number | null;
  readonly cancellationReason: string | null;
  /** How many captures and incremental authorizations were started: the attempt number in their message ids. */
  readonly networkSteps: number;
  /** The capture or increment at the network now (status `processing`), or null. */
  readonly step: NetworkStep | null;
  /** Where the customer goes back after a 3-D Secure redirect (Stripe's `return_url`), or null. */
  readonly returnUrl: string | null;
  /** The 3-D Secure authentication the intent waits for (status `requires_action`), or null. */
  readonly authentication: PendingAuthentication | null;
  /** Stripe's `automatic_payment_methods` as the create sent it, or null (automatic-payment-methods.ts). */
  readonly automaticPaymentMethods: AutomaticPaymentMethods | null;
}

/** A 3-D Secure challenge the customer must complete: its id at the network, the page to open, and when it lapses. */
export interface PendingAuthentication {
  readonly id: string;
  readonly url: string;
  readonly expiresAtMs: number;
}

/**
 * A capture (`amountMinor` = what to capture) or an incremental
 * authorization (`amountMinor` = the new total) that was recorded under the
 * intent's lock before its message went out; sending it again is a repeat
 * at the network, since `messageId` is fixed.
 */
export interface NetworkStep {
  readonly kind: 'capture' | 'increment';
  readonly amountMinor: number;
  readonly messageId: string;
  readonly startedAtMs: number;
}

interface Row {
  id: string;
  merchant_id: string;
  amount_minor: number | string;
  currency: string;
  customer_id: string | null;
  payment_method_id: string | null;
  capture_method: 'automatic' | 'manual';
  setup_future_usage: 'off_session' | 'on_session' | null;
  status: PaymentIntentStatus;
  amount_capturable_minor: number | string;
  amount_received_minor: number | string;
  latest_charge_id: string | null;
  last_payment_error: string | null;
  description: string | null;
  metadata: string;
  client_secret: string;
  created_at_ms: number | string;
  canceled_at_ms: number | string | null;
  cancellation_reason: string | null;
  network_steps: number | string;
  step_kind: 'capture' | 'increment' | null;
  step_amount_minor: number | string | null;
  step_message_id: string | null;
  step_started_at_ms: number | string | null;
  return_url: string | null;
  authentication_id: string | null;
  authentication_url: string | null;
  authentication_expires_at_ms: number | string | null;
  automatic_payment_methods_enabled: number | string | null;
  automatic_payment_methods_allow_redirects: string | null;
}

export const PAYMENT_INTENT_COLUMNS = `id, merchant_id, amount_minor, currency, customer_id, payment_method_id, capture_method, setup_future_usage, status,
  amount_capturable_minor, amount_received_minor, latest_charge_id, last_payment_error, description, metadata, client_secret, created_at_ms,
  canceled_at_ms, cancellation_reason, network_steps, step_kind, step_amount_minor, step_message_id, step_started_at_ms,
  return_url, authentication_id, authentication_url, authentication_expires_at_ms, automatic_payment_methods_enabled, automatic_payment_methods_allow_redirects`;

export function paymentIntentFromRow(row: Row): PaymentIntent {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    customerId: row.customer_id,
    paymentMethodId: row.payment_method_id,
    captureMethod: row.capture_method,
    setupFutureUsage: row.setup_future_usage,
    status: row.status,
    amountCapturableMinor: Number(row.amount_capturable_minor),
    amountReceivedMinor: Number(row.amount_received_minor),
    latestChargeId: row.latest_charge_id,
    lastPaymentError: row.last_payment_error === null ? null : (JSON.parse(row.last_payment_error) as Record<string, unknown>),
    description: row.description,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    clientSecret: row.client_secret,
    createdAtMs: Number(row.created_at_ms),
    canceledAtMs: row.canceled_at_ms === null ? null : Number(row.canceled_at_ms),
    cancellationReason: row.cancellation_reason,
    networkSteps: Number(row.network_steps),
    step:
      row.step_kind === null
        ? null
        : { kind: row.step_kind, amountMinor: Number(row.step_amount_minor), messageId: row.step_message_id!, startedAtMs: Number(row.step_started_at_ms) },
    returnUrl: row.return_url ?? null,
    authentication:
      row.authentication_id === null || row.authentication_id === undefined
        ? null
        : { id: row.authentication_id, url: row.authentication_url!, expiresAtMs: Number(row.authentication_expires_at_ms) },
    automaticPaymentMethods: automaticPaymentMethodsFromColumns(row.automatic_payment_methods_enabled, row.automatic_payment_methods_allow_redirects),
  };
}

function values(pi: PaymentIntent): unknown[] {
  return [
    pi.id, pi.merchantId, pi.amountMinor, pi.currency, pi.customerId, pi.paymentMethodId, pi.captureMethod, pi.setupFutureUsage, pi.status,
    pi.amountCapturableMinor, pi.amountReceivedMinor, pi.latestChargeId, pi.lastPaymentError === null ? null : JSON.stringify(pi.lastPaymentError),
    pi.description, JSON.stringify(pi.metadata), pi.clientSecret, pi.createdAtMs, pi.canceledAtMs, pi.cancellationReason,
    pi.networkSteps, pi.step?.kind ?? null, pi.step?.amountMinor ?? null, pi.step?.messageId ?? null, pi.step?.startedAtMs ?? null,
    pi.returnUrl, pi.authentication?.id ?? null, pi.authentication?.url ?? null, pi.authentication?.expiresAtMs ?? null,
    ...automaticPaymentMethodsColumns(pi.automaticPaymentMethods),
  ];
}

export async function insertPaymentIntent(tx: Tx, pi: PaymentIntent): Promise<void> {
  tx.write(`INSERT INTO acquirer_payment_intents (${PAYMENT_INTENT_COLUMNS}) VALUES (${Array(30).fill('?').join(', ')})`, values(pi));
}

export async function savePaymentIntent(tx: Tx, pi: PaymentIntent): Promise<void> {
  tx.write(
    `UPDATE acquirer_payment_intents SET amount_minor = ?, currency = ?, customer_id = ?, payment_method_id = ?, capture_method = ?,
       setup_future_usage = ?, status = ?, amount_capturable_minor = ?, amount_received_minor = ?, latest_charge_id = ?, last_payment_error = ?,
       description = ?, metadata = ?, canceled_at_ms = ?, cancellation_reason = ?,
       network_steps = ?, step_kind = ?, step_amount_minor = ?, step_message_id = ?, step_started_at_ms = ?,
       return_url = ?, authentication_id = ?, authentication_url = ?, authentication_expires_at_ms = ?
     WHERE id = ?`,
    [
      pi.amountMinor, pi.currency, pi.customerId, pi.paymentMethodId, pi.captureMethod, pi.setupFutureUsage, pi.status, pi.amountCapturableMinor,
      pi.amountReceivedMinor, pi.latestChargeId, pi.lastPaymentError === null ? null : JSON.stringify(pi.lastPaymentError), pi.description,
      JSON.stringify(pi.metadata), pi.canceledAtMs, pi.cancellationReason,
      pi.networkSteps, pi.step?.kind ?? null, pi.step?.amountMinor ?? null, pi.step?.messageId ?? null, pi.step?.startedAtMs ?? null,
      pi.returnUrl, pi.authentication?.id ?? null, pi.authentication?.url ?? null, pi.authentication?.expiresAtMs ?? null, pi.id,
    ],
  );
}

/** The payment intent, or Stripe's `resource_missing`: 404 naming `intent` (the URL path's), 400 for another `param` (a refund's `payment_intent`). */
export async function requirePaymentIntent(sql: Sql, merchantId: string, id: string, options: { lock?: boolean; param?: string } = {}): Promise<PaymentIntent> {
  const row = await sql.get<Row>(
    `SELECT ${PAYMENT_INTENT_COLUMNS} FROM acquirer_payment_intents WHERE id = ? AND merchant_id = ? ${options.lock ? sql.forUpdate : ''}`,
    [id, merchantId],
  );
  if (row === undefined) throw noSuchObject(`No such payment_intent: '${id}'`, options.param ?? 'intent');
  return paymentIntentFromRow(row);
}

export function basePaymentIntentObject(pi: PaymentIntent): Record<string, unknown> & { id: string } {
  return withStripeDefaults('payment_intent', {
    id: pi.id,
    object: 'payment_intent',
    amount: pi.amountMinor,
    amount_capturable: pi.amountCapturableMinor,
    amount_received: pi.amountReceivedMinor,
    automatic_payment_methods: automaticPaymentMethodsObject(pi.automaticPaymentMethods),
    canceled_at: pi.canceledAtMs === null ? null : Math.floor(pi.canceledAtMs / 1000),
    cancellation_reason: pi.cancellationReason,
    capture_method: pi.captureMethod,
    client_secret: pi.clientSecret,
    confirmation_method: 'automatic',
    created: Math.floor(pi.createdAtMs / 1000),
    currency: pi.currency,
    customer: pi.customerId,
    description: pi.description,
    last_payment_error: pi.lastPaymentError,
    latest_charge: pi.latestChargeId,
    livemode: false,
    metadata: pi.metadata,
    next_action: nextAction(pi),
    payment_method: pi.paymentMethodId,
    payment_method_types: ['card'],
    setup_future_usage: pi.setupFutureUsage,
    statement_descriptor: null,
    status: pi.status,
  });
}

/**
 * Stripe's `next_action` for a redirect-based 3-D Secure challenge, exactly
 * its shape: `{ type: 'redirect_to_url', redirect_to_url: { url, return_url } }`.
 */
export function nextAction(pi: Pick<PaymentIntent, 'status' | 'authentication' | 'returnUrl'>): Record<string, unknown> | null {
  if (pi.status !== 'requires_action' || pi.authentication === null) return null;
  return { type: 'redirect_to_url', redirect_to_url: { url: pi.authentication.url, return_url: pi.returnUrl } };
}
