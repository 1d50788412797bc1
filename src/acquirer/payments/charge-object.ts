import type { Sql } from '../../platform/db/database.ts';
import type { Charge } from './charge-store.ts';
import { chargeCardDetails, findPaymentMethod, paymentMethodObject } from './payment-method-store.ts';

/** Stripe's Charge object; `expand` may hold `payment_method` (Cardlane returns the id otherwise, as Stripe does). */
export async function chargeObject(sql: Sql, charge: Charge, expand: readonly string[] = []): Promise<Record<string, unknown> & { id: string }> {
  const pm = await findPaymentMethod(sql, charge.merchantId, charge.paymentMethodId);
  const checks = charge.checks ?? pm?.checks ?? { address_line1_check: null, address_postal_code_check: null, cvc_check: null };
  return {
    id: charge.id,
    object: 'charge',
    amount: charge.amountMinor,
    amount_captured: charge.amountCapturedMinor,
    amount_refunded: charge.amountRefundedMinor,
    authorization_code: charge.authorized ? charge.issuerAuthorizationId : null,
    balance_transaction: null,
    billing_details: pm?.billingDetails ?? null,
    captured: charge.amountCapturedMinor > 0,
    created: Math.floor(charge.createdAtMs / 1000),
    currency: charge.currency,
    customer: charge.customerId,
    disputed: (await sql.get(`SELECT 1 AS one FROM acquirer_disputes WHERE charge_id = ?`, [charge.id])) !== undefined,
    failure_code: charge.failureCode,
    failure_message: charge.failureMessage,
    livemode: false,
    metadata: {},
    outcome: charge.outcome,
    paid: charge.status === 'succeeded',
    payment_intent: charge.paymentIntentId,
    payment_method: expand.includes('payment_method') && pm ? paymentMethodObject(pm) : charge.paymentMethodId,
    payment_method_details: pm
      ? { type: 'card', card: chargeCardDetails(pm, checks, { networkTransactionId: charge.networkId, authorizationCode: charge.issuerAuthorizationId }) }
      : null,
    refunded: charge.amountRefundedMinor > 0 && charge.amountRefundedMinor >= charge.amountCapturedMinor,
    status: charge.status,
  };
}
