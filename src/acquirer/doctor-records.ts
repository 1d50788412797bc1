import type { AcquirerDisputeRecord, AcquirerRecords, PaymentMethodSummary, SetupIntentSummary } from '../doctor/index.ts';
import type { Sql } from '../platform/db/database.ts';
import { API_KEY_PATTERN, authenticateApiKey, getMerchant } from './merchants/merchants.ts';
import { CHARGE_COLUMNS, chargeFromRow, type Charge } from './payments/charge-store.ts';
import { PAYMENT_INTENT_COLUMNS, paymentIntentFromRow } from './payments/payment-intent-store.ts';
import { findPaymentMethod } from './payments/payment-method-store.ts';
import { getRiskRule, loadActiveRiskRules } from './risk/risk-rules.ts';
import { DISPUTE_COLUMNS, type DisputeRow } from './disputes/dispute-store.ts';

/**
 * The acquirer's answers to the doctor's questions (the doctor's
 * `AcquirerRecords` port), from the acquirer's own tables, mappers and read
 * functions. What leaves here about a card is what a merchant's dashboard
 * shows (brand, last four, funding, country, fingerprint, checks) and the
 * card account's PAR; never the sealed number.
 */

type ChargeRow = Parameters<typeof chargeFromRow>[0];

/** Above this a caller's limit is cut: the doctor's reads stay bounded whatever it asks. */
const MAX_LIMIT = 500;
const CHARGE_COLUMNS_OF_C = CHARGE_COLUMNS.split(',').map((c) => `c.${c.trim()}`).join(', ');

export function acquirerDoctorRecords(sql: Sql): AcquirerRecords {
  const charges = async (query: string, params: unknown[]): Promise<Charge[]> => (await sql.all<ChargeRow>(query, params)).map(chargeFromRow);
  const one = async (query: string, params: unknown[]): Promise<Charge | undefined> => {
    const row = await sql.get<ChargeRow>(query, params);
    return row === undefined ? undefined : chargeFromRow(row);
  };
  const dispute = async (where: string, value: string) => {
    const row = await sql.get<DisputeRow>(`SELECT ${DISPUTE_COLUMNS} FROM acquirer_disputes WHERE ${where} = ?`, [value]);
    return row === undefined ? undefined : disputeRecord(row);
  };
  return {
    dispute: (id) => dispute('id', id),
    disputeOfChargeback: (networkChargebackId) => dispute('network_chargeback_id', networkChargebackId),
    charge: (id) => one(`SELECT ${CHARGE_COLUMNS} FROM acquirer_charges WHERE id = ?`, [id]),
    chargeByNetworkId: (networkId) => one(`SELECT ${CHARGE_COLUMNS} FROM acquirer_charges WHERE network_id = ?`, [networkId]),

    async paymentIntent(id) {
      const row = await sql.get<Parameters<typeof paymentIntentFromRow>[0]>(`SELECT ${PAYMENT_INTENT_COLUMNS} FROM acquirer_payment_intents WHERE id = ?`, [id]);
      if (row === undefined) return undefined;
      const intent = paymentIntentFromRow(row);
      return { id: intent.id, merchantId: intent.merchantId };
    },

    async chargesOfPaymentIntent(paymentIntentId, limit) {
      const newest = await charges(`SELECT ${CHARGE_COLUMNS} FROM acquirer_charges WHERE payment_intent_id = ? ORDER BY id DESC LIMIT ?`, [paymentIntentId, bounded(limit)]);
      return newest.reverse();
    },

    async setupIntent(id): Promise<SetupIntentSummary | undefined> {
      const row = await sql.get<{ id: string; merchant_id: string; status: string; payment_method_id: string | null }>(
        'SELECT id, merchant_id, status, payment_method_id FROM acquirer_setup_intents WHERE id = ?',
        [id],
      );
      return row === undefined ? undefined : { id: row.id, merchantId: row.merchant_id, status: row.status, paymentMethodId: row.payment_method_id };
    },

    async chargesOfSetupIntent(merchantId, setupIntentId, limit) {
      const newest = await charges(`SELECT ${CHARGE_COLUMNS} FROM acquirer_charges WHERE merchant_id = ? AND setup_intent_id = ? ORDER BY id DESC LIMIT ?`, [
        merchantId,
        setupIntentId,
        bounded(limit),
      ]);
      return newest.reverse();
    },

    chargesOfCardAtMerchant: (merchantId, fingerprint, limit) =>
      charges(
        `SELECT ${CHARGE_COLUMNS_OF_C} FROM acquirer_charges c JOIN acquirer_payment_methods pm ON pm.id = c.payment_method_id
          WHERE c.merchant_id = ? AND pm.merchant_id = ? AND pm.fingerprint = ? ORDER BY c.created_at_ms DESC, c.id DESC LIMIT ?`,
        [merchantId, merchantId, fingerprint, bounded(limit)],
      ),

    // The PAR index finds the card's payment methods at every merchant; their charges are then joined by payment method (an operator's look, bounded).
    chargesOfCardAccount: (paymentAccountReference, window, limit) =>
      charges(
        `SELECT ${CHARGE_COLUMNS_OF_C} FROM acquirer_charges c JOIN acquirer_payment_methods pm ON pm.id = c.payment_method_id
          WHERE pm.payment_account_reference = ? AND c.created_at_ms >= ? AND c.created_at_ms < ? ORDER BY c.created_at_ms, c.id LIMIT ?`,
        [paymentAccountReference, window.fromMs, window.toMs, bounded(limit)],
      ),

    async paymentMethod(merchantId, id): Promise<PaymentMethodSummary | undefined> {
      const pm = await findPaymentMethod(sql, merchantId, id);
      if (pm === undefined) return undefined;
      return {
        id: pm.id,
        customerId: pm.customerId,
        card: {
          brand: pm.brand,
          last4: pm.last4,
          funding: pm.funding,
          country: pm.country,
          fingerprint: pm.fingerprint,
          paymentAccountReference: pm.paymentAccountReference,
        },
        checks: pm.checks,
      };
    },

    merchant: (id) => getMerchant(sql, id),
    rule: (merchantId, ruleId) => getRiskRule(sql, merchantId, ruleId, { includeDeleted: true }),
    activeRules: (merchantId) => loadActiveRiskRules(sql, merchantId),
    looksLikeApiKey: (token) => API_KEY_PATTERN.test(token),
    async apiKey(token) {
      const found = await authenticateApiKey(sql, token);
      return found === undefined ? undefined : { merchantId: found.merchant.id, kind: found.kind };
    },
  };
}

function bounded(limit: number): number {
  return Math.min(Math.max(1, Math.trunc(limit)), MAX_LIMIT);
}

/** A dispute as the doctor reads it: the acquirer's row, in the port's terms. */
function disputeRecord(row: DisputeRow): AcquirerDisputeRecord {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    chargeId: row.charge_id,
    paymentIntentId: row.payment_intent_id,
    networkChargebackId: row.network_chargeback_id,
    kind: row.kind,
    reason: row.reason,
    networkReasonCode: row.network_reason_code,
    amountMinor: Number(row.amount_minor),
    feeMinor: Number(row.fee_minor),
    currency: row.currency,
    feeCurrency: row.fee_currency ?? row.currency,
    status: row.status,
    funds: row.funds,
    dueByMs: Number(row.due_by_ms),
    submissionCount: Number(row.submission_count),
    createdAtMs: Number(row.created_at_ms),
    closedAtMs: row.closed_at_ms === null ? null : Number(row.closed_at_ms),
  };
}
