import type { Tx } from '../../platform/db/database.ts';
import { formatMoney, money } from '../../platform/money.ts';
import { BillingError } from '../errors.ts';
import { BILLING_CURRENCY, grantCredits } from '../billing-ledger.ts';
import type { ChargeRunner } from './charge-runner.ts';
import { findAttemptByClientKey, insertAttempt, type PaymentAttempt } from './payment-attempts.ts';
import type { AttemptHandler, BillingPaymentDeps } from './payment-deps.ts';
import { defaultPaymentMethod, requirePaymentMethod } from './payment-methods.ts';
import { issueReceipt } from './receipts.ts';
import { lockOrganization } from '../organizations.ts';

/**
 * "Add to credit balance": a customer-initiated payment on a card the
 * organization chose (or its default), between the configured minimum
 * ($5, as OpenAI) and maximum. Credits are granted only when the payment
 * succeeded, in the transaction that records the success, with a receipt.
 */
export class CreditPurchases {
  constructor(
    private readonly deps: BillingPaymentDeps,
    private readonly runner: ChargeRunner,
  ) {}

  /**
   * With a `clientKey` (the request's Idempotency-Key) a retried request
   * answers the first one's attempt — finishing it if its answer was lost —
   * instead of paying again; the same key for another purchase is refused.
   */
  async buy(orgId: string, input: { amountMinor: number; paymentMethodId?: string | null; clientKey?: string | null }): Promise<PaymentAttempt> {
    const { purchaseMinimumMinor: min, purchaseMaximumMinor: max } = this.deps.config;
    // The key is looked up and the attempt written under the organization's row lock, so two requests
    // with one key at once make one attempt (before, the second hit the unique index: a 500).
    const attemptId = await this.deps.db.transaction(async (tx) => {
      await lockOrganization(tx, orgId);
      const earlier = input.clientKey ? await findAttemptByClientKey(tx, orgId, input.clientKey) : null;
      if (earlier !== null) {
        const same = earlier.kind === 'purchase' && earlier.amountMinor === input.amountMinor && (input.paymentMethodId ?? earlier.paymentMethodId) === earlier.paymentMethodId;
        if (!same) throw new BillingError('idempotency_key_reused', 'This Idempotency-Key was used for another request.');
        return earlier.id;
      }
      if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor < min || input.amountMinor > max) {
        // In money first (the CLI and the page take dollars), then in the unit the API's `amount` is.
        const range = `${formatMoney(money(min, BILLING_CURRENCY))} to ${formatMoney(money(max, BILLING_CURRENCY))}`;
        throw new BillingError('purchase_amount_out_of_range', `A credit purchase is from ${range} (${min} to ${max} cents).`, { param: 'amount' });
      }
      const card = input.paymentMethodId ? await requirePaymentMethod(tx, orgId, input.paymentMethodId) : await defaultPaymentMethod(tx, orgId);
      if (card === null) throw new BillingError('payment_method_required', 'Choose a card, or set a default card first.', { param: 'payment_method' });
      const attempt = await insertAttempt(tx, {
        id: this.deps.ids.next('bpa'),
        orgId,
        kind: 'purchase',
        amountMinor: input.amountMinor,
        currency: BILLING_CURRENCY,
        paymentMethodId: card.id,
        initiator: 'customer',
        clientKey: input.clientKey ?? null,
        createdAtMs: this.deps.clock.nowMs(),
      });
      return attempt.id;
    });
    // A retried request whose first is still being sent gets it as it stands (`processing`); the runner never sends one key twice at once.
    return this.runner.run(attemptId);
  }
}

/**
 * Credits for a successful paid attempt (purchase or recharge): the grant's
 * transfer id is derived from the attempt, so it can only ever happen once.
 */
export function creditGrantHandler(deps: Pick<BillingPaymentDeps, 'ledger' | 'ids' | 'clock' | 'config'>): Required<Pick<AttemptHandler, 'succeeded'>> {
  return {
    async succeeded(tx, attempt) {
      const expiresAtMs = creditExpiry(deps.clock.nowMs(), deps.config.creditExpiryDays);
      const outcome = await grantCredits(tx, deps, { orgId: attempt.orgId, amountMinor: attempt.amountMinor, reason: attempt.kind, transferId: creditTransferId(attempt.id), expiresAtMs });
      if (outcome.result !== 'ok') throw new Error(`credits for ${attempt.id}: ${outcome.result}`);
      await issueReceipt(tx, deps, attempt);
    },
  };
}

/** When credits granted now expire: `days` later (0: never). */
export function creditExpiry(nowMs: number, days: number): number | null {
  return days === 0 ? null : nowMs + days * 86_400_000;
}

export function creditTransferId(attemptId: string): string {
  return `bill:credits:${attemptId}`;
}
