import type { Sql, Tx } from '../../platform/db/database.ts';
import { AcquirerError } from '../errors.ts';
import { withStripeDefaults } from '../stripe/stripe-defaults.ts';
import type { PendingAuthentication } from './payment-intent-store.ts';
import { automaticPaymentMethodsFromColumns, automaticPaymentMethodsObject, type AutomaticPaymentMethods } from './automatic-payment-methods.ts';

/** A SetupIntent as stored (acquirer_setup_intents), and its Stripe object. */

export type SetupIntentStatus = 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'succeeded' | 'canceled';

export interface SetupIntent {
  id: string;
  merchantId: string;
  customerId: string | null;
  paymentMethodId: string | null;
  usage: 'off_session' | 'on_session';
  status: SetupIntentStatus;
  latestAttemptId: string | null;
  lastSetupError: Record<string, unknown> | null;
  description: string | null;
  metadata: Record<string, string>;
  clientSecret: string;
  createdAtMs: number;
  canceledAtMs: number | null;
  cancellationReason: string | null;
  /** Where a 3-D Secure redirect sends the customer back (Stripe's `return_url`). */
  returnUrl: string | null;
  /** The 3-D Secure authentication the set-up waits for (`requires_action`), kept afterwards so a reload of the return page finds it. */
  authentication: PendingAuthentication | null;
  /**
   * While `processing`: when the confirm (or continuation) now running took
   * it, which also names that claim — each claim of a set-up is later than
   * the one before (claimAfter), so a confirm finishes only what it claimed,
   * and the sweep (SetupIntentFlow.resumeStuck) takes claims grown old.
   */
  claimedAtMs: number | null;
  /** Stripe's `automatic_payment_methods` as the create sent it, or null (automatic-payment-methods.ts). */
  automaticPaymentMethods: AutomaticPaymentMethods | null;
}

export const SETUP_INTENT_COLUMNS = `id, merchant_id, customer_id, payment_method_id, usage, status, latest_attempt_id, last_setup_error, description, metadata,
  client_secret, created_at_ms, canceled_at_ms, cancellation_reason, return_url, authentication_id, authentication_url, authentication_expires_at_ms, claimed_at_ms,
  automatic_payment_methods_enabled, automatic_payment_methods_allow_redirects`;

export function setupIntentFromRow(row: any): SetupIntent {
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
    returnUrl: row.return_url ?? null,
    authentication:
      row.authentication_id === null || row.authentication_id === undefined
        ? null
        : { id: row.authentication_id, url: row.authentication_url, expiresAtMs: Number(row.authentication_expires_at_ms) },
    claimedAtMs: row.claimed_at_ms === null || row.claimed_at_ms === undefined ? null : Number(row.claimed_at_ms),
    automaticPaymentMethods: automaticPaymentMethodsFromColumns(row.automatic_payment_methods_enabled, row.automatic_payment_methods_allow_redirects),
  };
}

export async function requireSetupIntent(sql: Sql, merchantId: string, id: string, lock = false): Promise<SetupIntent> {
  const row = await sql.get(`SELECT ${SETUP_INTENT_COLUMNS} FROM acquirer_setup_intents WHERE id = ? AND merchant_id = ? ${lock ? sql.forUpdate : ''}`, [id, merchantId]);
  if (row === undefined) throw new AcquirerError('resource_missing', `No such setupintent: '${id}'`, { param: 'intent' });
  return setupIntentFromRow(row);
}

export async function saveSetupIntent(tx: Tx, si: SetupIntent): Promise<void> {
  await tx.run(
    `UPDATE acquirer_setup_intents SET customer_id = ?, payment_method_id = ?, status = ?, latest_attempt_id = ?, last_setup_error = ?, metadata = ?,
       canceled_at_ms = ?, cancellation_reason = ?, return_url = ?, authentication_id = ?, authentication_url = ?, authentication_expires_at_ms = ?, claimed_at_ms = ?
     WHERE id = ?`,
    [si.customerId, si.paymentMethodId, si.status, si.latestAttemptId, si.lastSetupError === null ? null : JSON.stringify(si.lastSetupError),
      JSON.stringify(si.metadata), si.canceledAtMs, si.cancellationReason, si.returnUrl, si.authentication?.id ?? null, si.authentication?.url ?? null,
      si.authentication?.expiresAtMs ?? null, si.claimedAtMs, si.id],
  );
}

/**
 * The claim a confirm takes of a set-up it moves to `processing`: its time,
 * made later than any claim before it even within one millisecond (or
 * behind another process's clock), so that equal claims are the same claim.
 */
export function claimAfter(si: SetupIntent, nowMs: number): number {
  return Math.max(nowMs, (si.claimedAtMs ?? -1) + 1);
}

/** `origin`: this server as the client reached it, to make the issuer's challenge page an absolute URL. */
export function setupIntentObject(si: SetupIntent, origin?: string): Record<string, unknown> & { id: string } {
  return withStripeDefaults('setup_intent', {
    id: si.id,
    object: 'setup_intent',
    automatic_payment_methods: automaticPaymentMethodsObject(si.automaticPaymentMethods),
    cancellation_reason: si.cancellationReason,
    client_secret: si.clientSecret,
    created: Math.floor(si.createdAtMs / 1000),
    customer: si.customerId,
    description: si.description,
    last_setup_error: si.lastSetupError,
    latest_attempt: si.latestAttemptId,
    livemode: false,
    metadata: si.metadata,
    next_action: nextActionOf(si, origin),
    payment_method: si.paymentMethodId,
    payment_method_types: ['card'],
    status: si.status,
    usage: si.usage,
  });
}


/** Stripe's `next_action` while a challenge waits: a redirect to the issuer's page, and back to the merchant's `return_url`. */
function nextActionOf(si: SetupIntent, origin: string | undefined): Record<string, unknown> | null {
  if (si.status !== 'requires_action' || si.authentication === null) return null;
  const url = origin !== undefined && si.authentication.url.startsWith('/') ? `${origin}${si.authentication.url}` : si.authentication.url;
  return { type: 'redirect_to_url', redirect_to_url: { url, return_url: si.returnUrl } };
}

/** The set-up waiting for (or done with) this 3-D Secure authentication, if any. */
export async function findSetupIntentByAuthentication(sql: Sql, authenticationId: string): Promise<SetupIntent | undefined> {
  const row = await sql.get(`SELECT ${SETUP_INTENT_COLUMNS} FROM acquirer_setup_intents WHERE authentication_id = ?`, [authenticationId]);
  return row === undefined ? undefined : setupIntentFromRow(row);
}
