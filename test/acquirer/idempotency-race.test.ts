import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { claimIdempotencyKey } from '../../src/acquirer/stripe/idempotency-keys.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Many requests carrying one new Idempotency-Key at the same moment: exactly
// one runs; the others are told the key is in use (409) or replay its answer.
// (A lock on a row that does not exist yet locks nothing, so the claim must
// be the insert itself — found by billing's many-senders test on PostgreSQL.)

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
});
afterEach(async () => {
  await f.close();
});

test('twenty concurrent first uses of one idempotency key make one payment', async () => {
  const pm = await f.stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } });
  const answers = await Promise.allSettled(
    Array.from({ length: 20 }, () =>
      f.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: pm.id, confirm: true }, { idempotencyKey: 'one-payment' }),
    ),
  );
  const ids = new Set(answers.filter((a) => a.status === 'fulfilled').map((a) => (a as PromiseFulfilledResult<Stripe.PaymentIntent>).value.id));
  assert.ok(ids.size <= 1, `one payment intent at most, got ${[...ids].join(', ')}`);
  for (const answer of answers) {
    if (answer.status === 'rejected') {
      assert.ok(answer.reason instanceof Stripe.errors.StripeError, String(answer.reason));
      assert.deepEqual([answer.reason.statusCode, answer.reason.code], [409, 'idempotency_key_in_use']);
    }
  }
  const [{ n }] = (await f.db.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM acquirer_charges WHERE merchant_id = ?', [f.merchant.merchant.id])) as [{ n: number | string }];
  assert.equal(Number(n), 1, 'one charge reached the network');
});

test('concurrent claims of one new key: exactly one is claimed, the others are told it is in use', async () => {
  const claims = await Promise.allSettled(
    Array.from({ length: 40 }, () => claimIdempotencyKey(f.db, { merchantId: f.merchant.merchant.id, key: 'raced', requestHash: 'h', nowMs: f.clock.nowMs() })),
  );
  const claimed = claims.filter((c) => c.status === 'fulfilled' && c.value.kind === 'claimed').length;
  assert.equal(claimed, 1);
  for (const c of claims) if (c.status === 'rejected') assert.equal((c.reason as { code?: string }).code, 'idempotency_key_in_use');
});
