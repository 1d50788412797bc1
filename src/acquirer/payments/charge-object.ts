import type { Sql } from '../../platform/db/database.ts';
import { balanceTransactionIdOf } from '../balance/balance-transactions.ts';
import { withStripeDefaults } from '../stripe/stripe-defaults.ts';
import { UNCAPTURED_AUTHORIZATION_VALIDITY_MS, type Charge } from './charge-store.ts';
import { chargeCardDetails, findPaymentMethod, paymentMethodObject, type PaymentMethod } from './payment-method-store.ts';
import { refundObjectsByIds } from './refund-objects.ts';

/**
 * What the caller already knows about a charge, so rendering it costs no
 * statement to find it again (the payment path renders each of its
 * attempt's charges for its events, in the transaction that settles it).
 */
export interface KnownChargeFacts {
  /** The charge's payment method, as the attempt read it. */
  readonly paymentMethod?: PaymentMethod;
  /**
   * The charge is the attempt being settled in this transaction: nothing was
   * captured before it, so there is no refund of it (a refund needs a
   * capture) and no dispute (a chargeback on a charge with nothing captured
   * is refused, under the charge's lock: dispute-lifecycle.ts).
   */
  readonly settlingNow?: boolean;
  /** The id of the charge's capture's balance transaction, recorded in this transaction. */
  readonly balanceTransactionId?: string;
}

/** Stripe's Charge object; `expand` may hold `payment_method` (Cardlane returns the id otherwise, as Stripe does). */
export async function chargeObject(sql: Sql, charge: Charge, expand: readonly string[] = [], known: KnownChargeFacts = {}): Promise<Record<string, unknown> & { id: string }> {
  const pm = known.paymentMethod?.id === charge.paymentMethodId ? known.paymentMethod : await findPaymentMethod(sql, charge.merchantId, charge.paymentMethodId);
  const dispute = known.settlingNow === true ? undefined : await sql.get<{ id: string }>(`SELECT id FROM acquirer_disputes WHERE charge_id = ?`, [charge.id]);
  const checks = charge.checks ?? pm?.checks ?? { address_line1_check: null, address_postal_code_check: null, cvc_check: null };
  const refunds = await chargeRefunds(sql, charge, known.settlingNow === true);
  const released = releasedUncaptured(charge);
  return withStripeDefaults('charge', {
    id: charge.id,
    object: 'charge',
    amount: charge.amountMinor,
    amount_captured: charge.amountCapturedMinor,
    // A payment canceled (or expired) before capture: Stripe refunds what was authorized, so the charge says so.
    amount_refunded: released ? charge.amountMinor : charge.amountRefundedMinor,
    authorization_code: charge.authorized ? charge.issuerAuthorizationId : null,
    // The capture's balance transaction; a charge that moved no money (declined, or authorized only) has none, as at Stripe.
    balance_transaction:
      known.balanceTransactionId ?? (known.settlingNow === true && charge.amountCapturedMinor === 0 ? null : await balanceTransactionIdOf(sql, charge.merchantId, charge.id)),
    billing_details: pm?.billingDetails ?? null,
    captured: charge.amountCapturedMinor > 0,
    created: Math.floor(charge.createdAtMs / 1000),
    currency: charge.currency,
    customer: charge.customerId,
    disputed: dispute !== undefined,
    // Stripe's older shape: the charge's dispute (its id), null when none — the merchant's charge shows the dispute.
    dispute: dispute?.id ?? null,
    failure_code: charge.failureCode,
    failure_message: charge.failureMessage,
    livemode: false,
    metadata: {},
    outcome: charge.outcome,
    paid: charge.status === 'succeeded',
    payment_intent: charge.paymentIntentId,
    payment_method: expand.includes('payment_method') && pm ? paymentMethodObject(pm) : charge.paymentMethodId,
    payment_method_details: pm
      ? {
          type: 'card',
          card: {
            ...chargeCardDetails(pm, checks, { networkTransactionId: charge.networkId, authorizationCode: charge.issuerAuthorizationId }),
            amount_authorized: charge.authorized ? charge.amountMinor : null,
            // Until it is captured: when the authorization lapses (the intent is then canceled and the charge expires).
            ...(uncaptured(charge) ? { capture_before: Math.floor((charge.createdAtMs + UNCAPTURED_AUTHORIZATION_VALIDITY_MS) / 1000) } : {}),
            overcapture: { maximum_amount_capturable: charge.amountMinor, status: 'unavailable' },
            three_d_secure: charge.threeDSecure ?? null,
          },
        }
      : null,
    refunded: released || (charge.amountRefundedMinor > 0 && charge.amountRefundedMinor >= charge.amountCapturedMinor),
    refunds,
    status: charge.status,
    ...(charge.purpose === 'account_verification' ? { cardlane_verification_hold: await verificationHoldState(sql, charge) } : {}),
  });
}

/** An authorized payment not captured yet, its authorization still held. */
function uncaptured(charge: Charge): boolean {
  return charge.purpose === 'purchase' && charge.status === 'succeeded' && charge.amountCapturedMinor === 0 && charge.authorizationOpen;
}

/**
 * An authorized payment released without any capture — its intent canceled,
 * or expired uncaptured: as at Stripe, `refunded: true` with the whole
 * authorized amount as `amount_refunded` (and `captured: false`). Nothing
 * moved, so nothing is booked: this is how the charge reads, not a refund.
 */
function releasedUncaptured(charge: Charge): boolean {
  return charge.purpose === 'purchase' && charge.status === 'succeeded' && charge.authorized && charge.amountCapturedMinor === 0 && !charge.authorizationOpen;
}

/**
 * A card verification's hold as the merchant kept it (Cardlane extension; a
 * merchant's `verification_hold_release` may keep it for hours): whether the
 * issuer still holds it, and when it is (or was) released — unix seconds,
 * null when the merchant never releases it (the issuer lets it lapse).
 */
async function verificationHoldState(sql: Sql, charge: Charge): Promise<{ held: boolean; release_at: number | null }> {
  const row = await sql.get<{ hold_release_at_ms: number | string | null }>('SELECT hold_release_at_ms FROM acquirer_charges WHERE id = ?', [charge.id]);
  const at = row?.hold_release_at_ms ?? null;
  return { held: charge.authorizationOpen, release_at: at === null ? null : Math.floor(Number(at) / 1000) };
}

/** Stripe's `charge.refunds`: the newest refunds of the charge (10, as Stripe embeds), as a list with its own URL. */
async function chargeRefunds(sql: Sql, charge: Charge, noneYet: boolean): Promise<{ object: 'list'; data: Record<string, unknown>[]; has_more: boolean; total_count: number; url: string }> {
  const rows = noneYet ? [] : await sql.all<{ id: string }>('SELECT id FROM acquirer_refunds WHERE merchant_id = ? AND charge_id = ? ORDER BY id DESC', [charge.merchantId, charge.id]);
  const shown = rows.slice(0, EMBEDDED_REFUNDS);
  return { object: 'list', data: await refundObjectsByIds(sql, charge.merchantId, shown.map((row) => row.id)), has_more: rows.length > shown.length, total_count: rows.length, url: `/v1/charges/${charge.id}/refunds` };
}

const EMBEDDED_REFUNDS = 10;
