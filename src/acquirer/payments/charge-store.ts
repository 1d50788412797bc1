import type { Sql, Tx } from '../../platform/db/database.ts';
import type { AuthorizationPurpose, Initiator } from '../../network/messages.ts';
import type { CardChecks } from './payment-method-store.ts';

/**
 * Charges: one per authorization attempt, as at Stripe — a payment intent
 * that is declined and retried has several, its `latest_charge` being the
 * last. A setup intent's card verification is a charge row too (purpose
 * `account_verification`), so every attempt that reached — or was stopped
 * before — the network is on record for the doctor.
 *
 * `status` follows Stripe: `succeeded` once the issuer approved (captured or
 * not), `failed` when declined or blocked, `pending` while the network is
 * being asked. `authorization_open` is true while the issuer still holds
 * funds for it (capturable, or reversible).
 */

export type ChargeStatus = 'pending' | 'succeeded' | 'failed';

/**
 * How long after its authorization an uncaptured payment can still be
 * captured: Stripe's default for online card payments (its
 * `capture_before`), and the card network's default hold here. Visa's
 * 5 days for merchant-initiated payments and the longer windows some
 * merchant types get are not modelled.
 */
export const UNCAPTURED_AUTHORIZATION_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

/** Stripe's `charge.outcome`. */
export interface ChargeOutcome {
  readonly network_status: 'approved_by_network' | 'declined_by_network' | 'not_sent_to_network' | 'reversed_after_approval';
  readonly reason: string | null;
  readonly risk_level: 'normal' | 'elevated' | 'highest';
  readonly seller_message: string;
  readonly type: 'authorized' | 'issuer_declined' | 'blocked' | 'invalid';
  readonly rule?: { readonly id: string | null; readonly action: 'block'; readonly predicate: string; readonly description: string };
  readonly network_decline_code: string | null;
  readonly advice_code: string | null;
  readonly network_advice_code: string | null;
}

/**
 * Stripe's `payment_method_details.card.three_d_secure` of a charge whose
 * authorization carried a 3-D Secure result: how the issuer authenticated
 * the cardholder (`frictionless` or `challenge`), the result its ECI says
 * (`authenticated`: Visa 05 / Mastercard 02; `attempt_acknowledged`: 06 / 01),
 * the ECI itself, the authentication's id and the protocol version (EMV 3DS
 * 2.2.0). Null for a charge that went without.
 */
export interface ChargeThreeDSecure {
  readonly authentication_flow: 'frictionless' | 'challenge' | null;
  readonly electronic_commerce_indicator: string;
  readonly exemption_indicator: null;
  readonly exemption_indicator_applied: false;
  readonly result: 'authenticated' | 'attempt_acknowledged';
  readonly result_reason: null;
  readonly transaction_id: string;
  readonly version: '2.2.0';
}

export interface Charge {
  readonly id: string;
  readonly merchantId: string;
  readonly paymentIntentId: string | null;
  readonly setupIntentId: string | null;
  readonly purpose: AuthorizationPurpose;
  readonly amountMinor: number;
  readonly currency: string;
  readonly customerId: string | null;
  readonly paymentMethodId: string;
  readonly initiator: Initiator;
  readonly networkId: string;
  readonly status: ChargeStatus;
  readonly authorized: boolean;
  readonly amountAuthorizedMinor: number;
  readonly amountCapturedMinor: number;
  readonly amountRefundedMinor: number;
  readonly authorizationOpen: boolean;
  readonly outcome: ChargeOutcome | null;
  readonly checks: CardChecks | null;
  readonly failureCode: string | null;
  readonly failureMessage: string | null;
  readonly declineCode: string | null;
  readonly networkResponseCode: string | null;
  readonly issuerAuthorizationId: string | null;
  readonly blockedByRule: string | null;
  readonly createdAtMs: number;
  readonly capturedAtMs: number | null;
  /** The 3-D Secure result the authorization carried (set when the attempt is opened; absent or null: none). */
  readonly threeDSecure?: ChargeThreeDSecure | null;
}

interface Row {
  id: string;
  merchant_id: string;
  payment_intent_id: string | null;
  setup_intent_id: string | null;
  purpose: AuthorizationPurpose;
  amount_minor: number | string;
  currency: string;
  customer_id: string | null;
  payment_method_id: string;
  initiator: Initiator;
  network_id: string;
  status: ChargeStatus;
  authorized: number | string;
  amount_authorized_minor: number | string;
  amount_captured_minor: number | string;
  amount_refunded_minor: number | string;
  authorization_open: number | string;
  outcome: string | null;
  checks: string | null;
  failure_code: string | null;
  failure_message: string | null;
  decline_code: string | null;
  network_response_code: string | null;
  issuer_authorization_id: string | null;
  blocked_by_rule: string | null;
  created_at_ms: number | string;
  captured_at_ms: number | string | null;
  three_d_secure: string | null;
}

export const CHARGE_COLUMNS = `id, merchant_id, payment_intent_id, setup_intent_id, purpose, amount_minor, currency, customer_id, payment_method_id,
  initiator, network_id, status, authorized, amount_authorized_minor, amount_captured_minor, amount_refunded_minor, authorization_open,
  outcome, checks, failure_code, failure_message, decline_code, network_response_code, issuer_authorization_id, blocked_by_rule,
  created_at_ms, captured_at_ms, three_d_secure`;

export function chargeFromRow(row: Row): Charge {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    paymentIntentId: row.payment_intent_id,
    setupIntentId: row.setup_intent_id,
    purpose: row.purpose,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    customerId: row.customer_id,
    paymentMethodId: row.payment_method_id,
    initiator: row.initiator,
    networkId: row.network_id,
    status: row.status,
    authorized: Number(row.authorized) === 1,
    amountAuthorizedMinor: Number(row.amount_authorized_minor),
    amountCapturedMinor: Number(row.amount_captured_minor),
    amountRefundedMinor: Number(row.amount_refunded_minor),
    authorizationOpen: Number(row.authorization_open) === 1,
    outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as ChargeOutcome),
    checks: row.checks === null ? null : (JSON.parse(row.checks) as CardChecks),
    failureCode: row.failure_code,
    failureMessage: row.failure_message,
    declineCode: row.decline_code,
    networkResponseCode: row.network_response_code,
    issuerAuthorizationId: row.issuer_authorization_id,
    blockedByRule: row.blocked_by_rule,
    createdAtMs: Number(row.created_at_ms),
    capturedAtMs: row.captured_at_ms === null ? null : Number(row.captured_at_ms),
    threeDSecure: row.three_d_secure == null ? null : (JSON.parse(row.three_d_secure) as ChargeThreeDSecure),
  };
}

export async function insertCharge(tx: Tx, charge: Charge): Promise<void> {
  tx.write(
    `INSERT INTO acquirer_charges (${CHARGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    chargeValues(charge),
  );
}

/** Writes every mutable field of `charge` (the row is locked by the caller's transaction). */
export async function saveCharge(tx: Tx, charge: Charge): Promise<void> {
  tx.write(
    `UPDATE acquirer_charges SET status = ?, authorized = ?, amount_authorized_minor = ?, amount_captured_minor = ?, amount_refunded_minor = ?,
       authorization_open = ?, outcome = ?, checks = ?, failure_code = ?, failure_message = ?, decline_code = ?, network_response_code = ?,
       issuer_authorization_id = ?, blocked_by_rule = ?, captured_at_ms = ?
     WHERE id = ?`,
    [
      charge.status,
      charge.authorized ? 1 : 0,
      charge.amountAuthorizedMinor,
      charge.amountCapturedMinor,
      charge.amountRefundedMinor,
      charge.authorizationOpen ? 1 : 0,
      charge.outcome === null ? null : JSON.stringify(charge.outcome),
      charge.checks === null ? null : JSON.stringify(charge.checks),
      charge.failureCode,
      charge.failureMessage,
      charge.declineCode,
      charge.networkResponseCode,
      charge.issuerAuthorizationId,
      charge.blockedByRule,
      charge.capturedAtMs,
      charge.id,
    ],
  );
}

function chargeValues(c: Charge): unknown[] {
  return [
    c.id, c.merchantId, c.paymentIntentId, c.setupIntentId, c.purpose, c.amountMinor, c.currency, c.customerId, c.paymentMethodId,
    c.initiator, c.networkId, c.status, c.authorized ? 1 : 0, c.amountAuthorizedMinor, c.amountCapturedMinor, c.amountRefundedMinor,
    c.authorizationOpen ? 1 : 0, c.outcome === null ? null : JSON.stringify(c.outcome), c.checks === null ? null : JSON.stringify(c.checks),
    c.failureCode, c.failureMessage, c.declineCode, c.networkResponseCode, c.issuerAuthorizationId, c.blockedByRule, c.createdAtMs, c.capturedAtMs,
    c.threeDSecure == null ? null : JSON.stringify(c.threeDSecure),
  ];
}

export async function findCharge(sql: Sql, merchantId: string, id: string, options: { lock?: boolean } = {}): Promise<Charge | undefined> {
  const row = await sql.get<Row>(
    `SELECT ${CHARGE_COLUMNS} FROM acquirer_charges WHERE id = ? AND merchant_id = ? ${options.lock ? sql.forUpdate : ''}`,
    [id, merchantId],
  );
  return row === undefined ? undefined : chargeFromRow(row);
}

export async function listChargesOfIntent(sql: Sql, paymentIntentId: string): Promise<Charge[]> {
  const rows = await sql.all<Row>(`SELECT ${CHARGE_COLUMNS} FROM acquirer_charges WHERE payment_intent_id = ? ORDER BY id`, [paymentIntentId]);
  return rows.map(chargeFromRow);
}
