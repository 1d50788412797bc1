import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import type { Cardlane } from '../../src/app/start.ts';
import { recordUsage } from '../../src/billing/metering.ts';
import type { PaymentAttempt } from '../../src/billing/payments/payment-attempts.ts';
import { priceBook } from '../../src/billing/price-book.ts';
import { Ledger } from '../../src/ledger/index.ts';
import type { ManualClock } from '../../src/platform/clock.ts';

/**
 * What the tests of credits that come back (refunds and disputes at the
 * provider, failed refunds, the invoice PDF's section) share: an
 * organization that bought credits with a card, and spending them.
 */
export interface CreditWorld {
  readonly cardlane: Cardlane;
  /** The demo merchant's publishable-key SDK: the billing page's tokenizer. */
  readonly tokenizer: Stripe;
  readonly clock: ManualClock;
}

/** A new organization, a card added, `amountMinor` of credits bought with it; the clock a second on. */
export async function orgWithPurchase(
  world: CreditWorld,
  name: string,
  amountMinor: number,
  number = '4242424242424242',
): Promise<{ orgId: string; apiKey: string; purchase: PaymentAttempt }> {
  const billing = world.cardlane.billing.services;
  const org = await world.cardlane.billing.createOrganization(name);
  const pm = await world.tokenizer.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: 2034, cvc: '123' } });
  assert.equal((await billing.paymentMethods.add(org.id, pm.id)).status, 'added');
  const purchase = await billing.purchases.buy(org.id, { amountMinor, paymentMethodId: pm.id });
  assert.equal(purchase.status, 'succeeded', JSON.stringify(purchase.failure));
  world.clock.advanceMs(1_000);
  return { orgId: org.id, apiKey: org.apiKey, purchase };
}

/** Spends `amountMinor` of the organization's credits (a model priced one cent a token). */
export async function spendCredits(world: CreditWorld, orgId: string, amountMinor: number, id: string): Promise<void> {
  const book = priceBook([{ model: 'cent-per-token', currency: 'USD', input_microusd_per_1m_tokens: 10_000_000_000, output_microusd_per_1m_tokens: 0 }]);
  const outcome = await recordUsage(world.cardlane.db, { clock: world.clock, ledger: new Ledger(world.clock), priceBook: book }, {
    orgId,
    usageEventId: id,
    model: 'cent-per-token',
    inputTokens: amountMinor,
    outputTokens: 0,
  });
  assert.equal(outcome.result, 'recorded', JSON.stringify(outcome));
}
