import { withStripeDefaults } from '../stripe/stripe-defaults.ts';
import type { Sql, Tx } from '../../platform/db/database.ts';
import { noSuchObject, type NamedIn } from '../errors.ts';
import type { CardBrand, CardFunding, CheckResult, NameCheckResult } from '../../network/messages.ts';

/**
 * Payment method rows and their Stripe objects. The card number is only
 * ever here sealed (`pan_sealed`); the object shows brand, country,
 * funding, last4, expiry, the fingerprint and the latest checks. The card
 * account's PAR (the network's payment account reference) is kept but not
 * shown: it is how Cardlane's issuer and its doctor recognise the card
 * without its number.
 */

export interface BillingDetails {
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly address: {
    readonly line1: string | null;
    readonly line2: string | null;
    readonly city: string | null;
    readonly state: string | null;
    readonly postal_code: string | null;
    readonly country: string | null;
  };
}

/** `null` when the datum was not given (Stripe's convention), else the check's result so far. */
export interface CardChecks {
  readonly address_line1_check: CheckResult | null;
  readonly address_postal_code_check: CheckResult | null;
  readonly cvc_check: CheckResult | null;
  /**
   * The issuer's account-name verification of `billing_details.name` (Visa
   * ANI), where the card network answered one: a Cardlane field beside
   * Stripe's checks, in the network's words, since pass/fail cannot say
   * "partly" (a given or family name, or initials). Absent when no name was
   * sent or the issuer does not check names.
   */
  readonly name_check?: NameCheckResult;
}

export interface PaymentMethod {
  readonly id: string;
  readonly merchantId: string;
  readonly customerId: string | null;
  readonly panSealed: string;
  readonly fingerprint: string;
  /** The network's PAR for the card account; null when the network gave none (and for rows vaulted before PARs, until the start-up backfill). */
  readonly paymentAccountReference: string | null;
  readonly bin: string;
  readonly last4: string;
  readonly brand: CardBrand;
  readonly country: string | null;
  readonly funding: CardFunding;
  readonly expMonth: number;
  readonly expYear: number;
  readonly billingDetails: BillingDetails;
  readonly checks: CardChecks;
  readonly metadata: Record<string, string>;
  readonly createdAtMs: number;
  /**
   * The stored credential: the network id of this card's first approval at
   * this merchant with its CVV2 matched (Visa's original transaction id).
   * Every later payment without CVV2 names it; without one the issuer may
   * refuse such a payment. Null (or absent, before it is read) until then.
   */
  readonly storedCredentialNetworkId?: string | null;
}

interface Row {
  id: string;
  merchant_id: string;
  customer_id: string | null;
  pan_sealed: string;
  fingerprint: string;
  payment_account_reference: string | null;
  bin: string;
  last4: string;
  brand: CardBrand;
  country: string | null;
  funding: CardFunding;
  exp_month: number | string;
  exp_year: number | string;
  billing_details: string;
  checks: string;
  metadata: string;
  created_at_ms: number | string;
  stored_credential_network_id?: string | null;
}

const COLUMNS =
  'id, merchant_id, customer_id, pan_sealed, fingerprint, payment_account_reference, bin, last4, brand, country, funding, exp_month, exp_year, billing_details, checks, metadata, created_at_ms';
/** Read, never inserted: a new payment method has no stored credential yet (rememberStoredCredential). */
const READ_COLUMNS = `${COLUMNS}, stored_credential_network_id`;

function fromRow(row: Row): PaymentMethod {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    customerId: row.customer_id,
    panSealed: row.pan_sealed,
    fingerprint: row.fingerprint,
    paymentAccountReference: row.payment_account_reference,
    bin: row.bin,
    last4: row.last4,
    brand: row.brand,
    country: row.country,
    funding: row.funding,
    expMonth: Number(row.exp_month),
    expYear: Number(row.exp_year),
    billingDetails: JSON.parse(row.billing_details) as BillingDetails,
    checks: JSON.parse(row.checks) as CardChecks,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    createdAtMs: Number(row.created_at_ms),
    storedCredentialNetworkId: row.stored_credential_network_id ?? null,
  };
}

export async function insertPaymentMethod(tx: Tx, pm: PaymentMethod): Promise<void> {
  await tx.run(
    `INSERT INTO acquirer_payment_methods (${COLUMNS}, attached_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      pm.id, pm.merchantId, pm.customerId, pm.panSealed, pm.fingerprint, pm.paymentAccountReference, pm.bin, pm.last4, pm.brand, pm.country, pm.funding,
      pm.expMonth, pm.expYear, JSON.stringify(pm.billingDetails), JSON.stringify(pm.checks), JSON.stringify(pm.metadata), pm.createdAtMs,
      pm.customerId === null ? null : pm.createdAtMs,
    ],
  );
}

export async function findPaymentMethod(sql: Sql, merchantId: string, id: string, options: { lock?: boolean } = {}): Promise<PaymentMethod | undefined> {
  const row = await sql.get<Row>(
    `SELECT ${READ_COLUMNS} FROM acquirer_payment_methods WHERE id = ? AND merchant_id = ? ${options.lock ? sql.forUpdate : ''}`,
    [id, merchantId],
  );
  return row === undefined ? undefined : fromRow(row);
}

/**
 * The payment method, or Stripe's `resource_missing` naming the parameter that
 * pointed at it: 400 for a parameter (`payment_method` on a payment intent),
 * 404 when the URL path names it (`namedIn: 'path'`; its `param` stays `payment_method`).
 */
export async function requirePaymentMethod(
  sql: Sql,
  merchantId: string,
  id: string,
  param = 'payment_method',
  options: { lock?: boolean; namedIn?: NamedIn } = {},
): Promise<PaymentMethod> {
  const pm = await findPaymentMethod(sql, merchantId, id, options);
  if (pm === undefined) throw noSuchObject(`No such PaymentMethod: '${id}'`, param, options.namedIn);
  return pm;
}

export async function setPaymentMethodCustomer(tx: Tx, pm: PaymentMethod, customerId: string | null, nowMs: number): Promise<void> {
  await tx.run(
    customerId === null
      ? 'UPDATE acquirer_payment_methods SET customer_id = NULL, detached_at_ms = ? WHERE id = ?'
      : 'UPDATE acquirer_payment_methods SET customer_id = ?, attached_at_ms = ?, detached_at_ms = NULL WHERE id = ?',
    customerId === null ? [nowMs, pm.id] : [customerId, nowMs, pm.id],
  );
}

/** Keeps the first CVV2-checked approval as the card's stored credential; later ones leave it as it is. */
export async function rememberStoredCredential(sql: Sql, id: string, networkId: string): Promise<void> {
  await sql.run('UPDATE acquirer_payment_methods SET stored_credential_network_id = ? WHERE id = ? AND stored_credential_network_id IS NULL', [networkId, id]);
}

/**
 * Writes the card's checks only when they changed: a saved card charged again
 * and again mostly gets the same answers, and writing its row anyway made every
 * payment on one card wait for the previous one's commit (a hot row).
 */
export async function savePaymentMethodChecks(tx: Tx, id: string, checks: CardChecks, previous?: CardChecks): Promise<void> {
  const text = JSON.stringify(checks);
  if (previous !== undefined && JSON.stringify(previous) === text) return;
  await tx.run('UPDATE acquirer_payment_methods SET checks = ? WHERE id = ?', [text, id]);
}

export function paymentMethodObject(pm: PaymentMethod): Record<string, unknown> & { id: string } {
  return withStripeDefaults('payment_method', {
    id: pm.id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: pm.billingDetails,
    card: {
      brand: pm.brand,
      checks: pm.checks,
      country: pm.country,
      display_brand: pm.brand,
      exp_month: pm.expMonth,
      exp_year: pm.expYear,
      fingerprint: pm.fingerprint,
      funding: pm.funding,
      generated_from: null,
      last4: pm.last4,
      networks: { available: [pm.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: Math.floor(pm.createdAtMs / 1000),
    customer: pm.customerId,
    livemode: false,
    metadata: pm.metadata,
    type: 'card',
  });
}

/** The card as Stripe shows it on a charge (`payment_method_details.card`). */
export function chargeCardDetails(pm: PaymentMethod, checks: CardChecks, extra: { networkTransactionId: string; authorizationCode: string | null }): Record<string, unknown> {
  return {
    brand: pm.brand,
    checks,
    country: pm.country,
    exp_month: pm.expMonth,
    exp_year: pm.expYear,
    fingerprint: pm.fingerprint,
    funding: pm.funding,
    last4: pm.last4,
    network: pm.brand,
    network_transaction_id: extra.networkTransactionId,
    authorization_code: extra.authorizationCode,
  };
}
