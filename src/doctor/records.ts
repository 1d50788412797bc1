import { CHARGE_COLUMNS, chargeFromRow, listChargesOfIntent, type Charge } from '../acquirer/payments/charge-store.ts';
import { PAYMENT_INTENT_COLUMNS, paymentIntentFromRow, type PaymentIntent } from '../acquirer/payments/payment-intent-store.ts';
import { findPaymentMethod } from '../acquirer/payments/payment-method-store.ts';
import { getMerchant, type Merchant } from '../acquirer/merchants/merchants.ts';
import { getRiskRule, loadActiveRiskRules } from '../acquirer/risk/risk-rules.ts';
import type { RiskRule } from '../acquirer/risk/rule-types.ts';
import { findAuthorizationByRequestId, getAuthorization, listCardAuthorizations, type IssuerAuthorization } from '../issuer/authorization/records.ts';
import { getCard, listCards, type Card } from '../issuer/cards/cards.ts';
import { getCardholder } from '../issuer/identity/cardholders.ts';
import type { CardBrand, CardFunding } from '../network/messages.ts';
import { listNetworkMessagesFor, type NetworkMessageRecord } from '../network/network-records.ts';
import { loadAuthorization, type TestBankAuthorizationRow } from '../network/test-issuers/test-bank-store.ts';
import type { Sql } from '../platform/db/database.ts';

/**
 * The doctor's reads of each party's records, through each party's own read
 * functions and row mappers (the doctor never interprets another party's
 * columns itself). The few look-ups a party has no function for yet — a
 * charge or intent by id alone, charges by card fingerprint — select that
 * party's own column list and map rows with its own mapper.
 *
 * Every list read is bounded.
 */

/** Charges of one payment intent, setup intent or card looked at, at most. */
export const MAX_CHARGES_PER_SUBJECT = 50;

export async function chargeById(sql: Sql, id: string): Promise<Charge | undefined> {
  const row = await sql.get<Parameters<typeof chargeFromRow>[0]>(`SELECT ${CHARGE_COLUMNS} FROM acquirer_charges WHERE id = ?`, [id]);
  return row === undefined ? undefined : chargeFromRow(row);
}

/** The charge that sent network message `networkId` (the message id an issuer's record names as its request). */
export async function chargeByNetworkId(sql: Sql, networkId: string): Promise<Charge | undefined> {
  const row = await sql.get<Parameters<typeof chargeFromRow>[0]>(`SELECT ${CHARGE_COLUMNS} FROM acquirer_charges WHERE network_id = ?`, [networkId]);
  return row === undefined ? undefined : chargeFromRow(row);
}

export async function paymentIntentById(sql: Sql, id: string): Promise<PaymentIntent | undefined> {
  const row = await sql.get<Parameters<typeof paymentIntentFromRow>[0]>(`SELECT ${PAYMENT_INTENT_COLUMNS} FROM acquirer_payment_intents WHERE id = ?`, [id]);
  return row === undefined ? undefined : paymentIntentFromRow(row);
}

export async function chargesOfPaymentIntent(sql: Sql, paymentIntentId: string): Promise<Charge[]> {
  return (await listChargesOfIntent(sql, paymentIntentId)).slice(-MAX_CHARGES_PER_SUBJECT);
}

export interface SetupIntentSummary {
  readonly id: string;
  readonly merchantId: string;
  readonly status: string;
  readonly paymentMethodId: string | null;
}

export async function setupIntentById(sql: Sql, id: string): Promise<SetupIntentSummary | undefined> {
  const row = await sql.get<{ id: string; merchant_id: string; status: string; payment_method_id: string | null }>(
    'SELECT id, merchant_id, status, payment_method_id FROM acquirer_setup_intents WHERE id = ?',
    [id],
  );
  return row === undefined ? undefined : { id: row.id, merchantId: row.merchant_id, status: row.status, paymentMethodId: row.payment_method_id };
}

export async function chargesOfSetupIntent(sql: Sql, merchantId: string, setupIntentId: string): Promise<Charge[]> {
  const rows = await sql.all<Parameters<typeof chargeFromRow>[0]>(
    `SELECT ${CHARGE_COLUMNS} FROM acquirer_charges WHERE merchant_id = ? AND setup_intent_id = ? ORDER BY id DESC LIMIT ?`,
    [merchantId, setupIntentId, MAX_CHARGES_PER_SUBJECT],
  );
  return rows.map(chargeFromRow).reverse();
}

/**
 * Charges of one card (by the acquirer's fingerprint) at one merchant,
 * newest first: what the merchant's own records say about how this card's
 * issuer answered it before.
 */
export async function chargesOfCardAtMerchant(sql: Sql, merchantId: string, fingerprint: string, limit = MAX_CHARGES_PER_SUBJECT): Promise<Charge[]> {
  const columns = CHARGE_COLUMNS.split(',').map((c) => `c.${c.trim()}`).join(', ');
  const rows = await sql.all<Parameters<typeof chargeFromRow>[0]>(
    `SELECT ${columns} FROM acquirer_charges c JOIN acquirer_payment_methods pm ON pm.id = c.payment_method_id
      WHERE c.merchant_id = ? AND pm.merchant_id = ? AND pm.fingerprint = ? ORDER BY c.created_at_ms DESC, c.id DESC LIMIT ?`,
    [merchantId, merchantId, fingerprint, limit],
  );
  return rows.map(chargeFromRow);
}

/**
 * Charges of one card (by the acquirer's fingerprint) at any merchant in
 * [fromMs, toMs), oldest first — the operator's way to find attempts that
 * never reached the issuer. Payment methods have no fingerprint index (the
 * acquirer never needed one), so this scans them: an operator tool, bounded.
 */
export async function chargesOfCard(sql: Sql, fingerprint: string, fromMs: number, toMs: number, limit = 200): Promise<Charge[]> {
  const columns = CHARGE_COLUMNS.split(',').map((c) => `c.${c.trim()}`).join(', ');
  const rows = await sql.all<Parameters<typeof chargeFromRow>[0]>(
    `SELECT ${columns} FROM acquirer_charges c JOIN acquirer_payment_methods pm ON pm.id = c.payment_method_id
      WHERE pm.fingerprint = ? AND c.created_at_ms >= ? AND c.created_at_ms < ? ORDER BY c.created_at_ms, c.id LIMIT ?`,
    [fingerprint, fromMs, toMs, limit],
  );
  return rows.map(chargeFromRow);
}

/** What the doctor shows of a card a merchant holds: never the sealed number. */
export interface CardSummary {
  readonly brand: CardBrand | string;
  readonly last4: string | null;
  readonly funding: CardFunding | string | null;
  readonly country: string | null;
  /** The acquirer's fingerprint (merchant and operator views only). */
  readonly fingerprint: string | null;
}

export interface PaymentMethodSummary {
  readonly id: string;
  readonly customerId: string | null;
  readonly card: CardSummary;
  readonly checks: { readonly address_line1_check: string | null; readonly address_postal_code_check: string | null; readonly cvc_check: string | null };
}

export async function paymentMethodSummary(sql: Sql, merchantId: string, id: string): Promise<PaymentMethodSummary | undefined> {
  const pm = await findPaymentMethod(sql, merchantId, id);
  if (pm === undefined) return undefined;
  return {
    id: pm.id,
    customerId: pm.customerId,
    card: { brand: pm.brand, last4: pm.last4, funding: pm.funding, country: pm.country, fingerprint: pm.fingerprint },
    checks: pm.checks,
  };
}

export async function merchantById(sql: Sql, id: string): Promise<Merchant | undefined> {
  return getMerchant(sql, id);
}

/** A rule that blocked a payment, even if the merchant has deleted it since (its row is kept for exactly this). */
export async function blockingRule(sql: Sql, merchantId: string, ruleId: string): Promise<RiskRule | undefined> {
  return getRiskRule(sql, merchantId, ruleId, { includeDeleted: true });
}

export async function activeRules(sql: Sql, merchantId: string): Promise<RiskRule[]> {
  return loadActiveRiskRules(sql, merchantId);
}

export async function networkMessagesOf(sql: Sql, networkId: string): Promise<NetworkMessageRecord[]> {
  return listNetworkMessagesFor(sql, networkId);
}

export async function cardlaneAuthorizationOf(sql: Sql, requestId: string): Promise<IssuerAuthorization | undefined> {
  return findAuthorizationByRequestId(sql, requestId);
}

export async function cardlaneAuthorization(sql: Sql, id: string): Promise<IssuerAuthorization | undefined> {
  return getAuthorization(sql, id);
}

export async function cardAuthorizations(sql: Sql, cardId: string, fromMs: number, toMs: number, limit: number): Promise<IssuerAuthorization[]> {
  return listCardAuthorizations(sql, cardId, { fromMs, toMs, limit });
}

export async function testBankAuthorizationOf(sql: Sql, requestId: string): Promise<TestBankAuthorizationRow | undefined> {
  return loadAuthorization(sql, requestId);
}

export async function testBankAuthorization(sql: Sql, id: string): Promise<TestBankAuthorizationRow | undefined> {
  const row = await sql.get<{ request_id: string }>('SELECT request_id FROM test_bank_authorizations WHERE id = ?', [id]);
  return row === undefined ? undefined : loadAuthorization(sql, row.request_id);
}

export async function issuerCard(sql: Sql, cardId: string): Promise<Card | undefined> {
  return getCard(sql, cardId);
}

export async function cardsOfCardholder(sql: Sql, cardholderId: string): Promise<Card[]> {
  return listCards(sql, cardholderId);
}

export async function kycStatusOf(sql: Sql, cardholderId: string): Promise<string | undefined> {
  return (await getCardholder(sql, cardholderId))?.kycStatus;
}
