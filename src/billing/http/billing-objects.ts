import { formatMoney, money } from '../../platform/money.ts';
import { explainFailure } from '../payments/decline-explanation.ts';
import type { PaymentAttempt } from '../payments/payment-attempts.ts';
import type { BillingPaymentMethod } from '../payments/payment-methods.ts';
import type { Receipt } from '../payments/receipts.ts';
import type { Invoice } from '../invoices/invoices.ts';

/** The JSON objects billing's API answers with (snake_case, amounts as minor units with their currency). */

const iso = (ms: number) => new Date(ms).toISOString();

export function amountObject(amountMinor: number, currency: string) {
  return { amount_minor: amountMinor, currency, formatted: formatMoney(money(amountMinor, currency)) };
}

/**
 * A card as billing's API shows it. Its verification hold is released at
 * once by most providers, but a merchant may keep it for hours (the
 * acquirer's `verification_hold_release`): `released` is false until the
 * release time the provider gave (`release_at`; null with `released: false`
 * when the merchant never releases it and the issuer lets it lapse).
 */
export function paymentMethodObject(pm: BillingPaymentMethod, nowMs: number) {
  const releaseAtMs = pm.verificationHoldKept ? pm.verificationHoldReleaseAtMs : null;
  return {
    id: pm.id,
    object: 'billing.payment_method',
    brand: pm.brand,
    last4: pm.last4,
    exp_month: pm.expMonth,
    exp_year: pm.expYear,
    funding: pm.funding,
    country: pm.country,
    is_default: pm.isDefault,
    verification: {
      payment: pm.verificationAttemptId,
      hold: pm.verificationHoldMinor === null ? null : amountObject(pm.verificationHoldMinor, 'USD'),
      released: pm.verificationHoldKept === false || (releaseAtMs !== null && releaseAtMs <= nowMs),
      release_at: releaseAtMs === null ? null : iso(releaseAtMs),
    },
    added_at: iso(pm.addedAtMs),
  };
}

export function paymentObject(attempt: PaymentAttempt, receipt: Receipt | null = null, invoice: Pick<Invoice, 'id' | 'number'> | null = null) {
  return {
    id: attempt.id,
    object: 'billing.payment',
    kind: attempt.kind,
    status: attempt.status,
    amount: amountObject(attempt.amountMinor, attempt.currency),
    refunded: amountObject(attempt.refundedMinor, attempt.currency),
    initiator: attempt.initiator,
    payment_method: attempt.paymentMethodId,
    subscription: attempt.subscriptionId,
    provider_payment: attempt.providerIntentId,
    failure:
      attempt.failure === null
        ? null
        : {
            code: attempt.failure.code,
            decline_code: attempt.failure.decline_code,
            network_decline_code: attempt.failure.network_decline_code,
            message: attempt.failure.message,
            explanation: explainFailure(attempt.failure, attempt.failureClass),
            retry: attempt.failureClass,
          },
    receipt: receipt === null ? null : receiptObject(receipt),
    invoice: invoice === null ? null : { id: invoice.id, number: invoice.number },
    created_at: iso(attempt.createdAtMs),
    finished_at: attempt.finishedAtMs === null ? null : iso(attempt.finishedAtMs),
  };
}

export function receiptObject(receipt: Receipt) {
  return {
    id: receipt.id,
    object: 'billing.receipt',
    number: receipt.number,
    payment: receipt.attemptId,
    amount: amountObject(receipt.amountMinor, receipt.currency),
    description: receipt.description,
    card: `${receipt.cardBrand} •••• ${receipt.cardLast4}`,
    paid_at: iso(receipt.paidAtMs),
  };
}
