import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { CVC_CACHE_LIMITS, CvcCache } from '../../src/acquirer/cards/vault.ts';
import { PAYMENT_METHOD_RATE_LIMITS } from '../../src/acquirer/payments/payment-method-rate-limits.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';

// A publishable key is public, and it creates payment methods: unlimited, a
// script could vault cards without end and push every merchant's CVCs out
// of the one cache they shared. CVCs are now kept per merchant, and creating
// payment methods with a publishable key is limited per key and per address.

const NOW_MS = 1_700_000_000_000;

test("one merchant filling the CVC cache evicts only its own CVCs, never another merchant's", () => {
  const cache = new CvcCache();
  cache.put('mer_victim', 'pm_victim', '123', NOW_MS);
  // More than the whole cache held before: one shared list of 10,000 lost the victim's CVC here.
  for (let i = 0; i < 12_000; i++) cache.put('mer_flood', `pm_flood_${i}`, '999', NOW_MS);
  assert.equal(cache.take('pm_victim', NOW_MS), '123');
  assert.ok(cache.size <= CVC_CACHE_LIMITS.maxPerMerchant, `the flooding merchant holds at most its share (${cache.size})`);
  assert.equal(cache.take('pm_flood_11999', NOW_MS), '999', 'the flooding merchant keeps its newest');
  assert.equal(cache.take('pm_flood_0', NOW_MS), null, 'and drops its oldest');
});

test('the CVC cache is bounded in total: when full, the merchant holding the most gives one up', () => {
  const cache = new CvcCache({ maxPerMerchant: 3, maxTotal: 5 });
  cache.put('mer_small', 'pm_small', '111', NOW_MS);
  for (let i = 0; i < 3; i++) cache.put('mer_big', `pm_big_${i}`, '222', NOW_MS);
  cache.put('mer_other', 'pm_other_0', '333', NOW_MS);
  cache.put('mer_other', 'pm_other_1', '333', NOW_MS);
  assert.equal(cache.size, 5, 'never more than the total');
  assert.equal(cache.take('pm_small', NOW_MS), '111');
  assert.equal(cache.take('pm_big_0', NOW_MS), null, "the largest merchant's oldest went");
  assert.equal(cache.take('pm_other_1', NOW_MS), '333');
  assert.equal(cache.take('pm_other_1', NOW_MS), null, 'taken once');
  assert.equal(cache.take('pm_big_2', NOW_MS + 60 * 60 * 1000), null, 'expired after an hour');
});

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints });
});
afterEach(async () => {
  await f.close();
});

const CARD = 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123';

function createPaymentMethod(key: string, remoteAddress: string) {
  return f.app.inject({
    method: 'POST',
    url: '/v1/payment_methods',
    remoteAddress,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: CARD,
  });
}

async function paymentMethodCount(): Promise<number> {
  return Number((await f.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM acquirer_payment_methods'))!.n);
}

test('a burst from one publishable key gets 429 rate_limit after its limit, changing nothing; another key is unaffected; the bucket refills', async () => {
  const { burst } = PAYMENT_METHOD_RATE_LIMITS.perPublishableKey;
  const key = f.merchant.publishableKey;
  // Each from its own address, so only the key's limit counts.
  for (let i = 0; i < burst; i++) assert.equal((await createPaymentMethod(key, `198.51.100.${i + 1}`)).statusCode, 200);
  const before = await paymentMethodCount();
  const refused = await createPaymentMethod(key, '203.0.113.1');
  assert.equal(refused.statusCode, 429);
  const { error } = refused.json();
  assert.equal(error.type, 'rate_limit_error');
  assert.equal(error.code, 'rate_limit');
  assert.equal(await paymentMethodCount(), before, 'a refused call vaults nothing');

  const other = await f.addMerchant({ name: 'Other shop' });
  assert.equal((await createPaymentMethod(other.publishableKey, '203.0.113.2')).statusCode, 200, "another merchant's key is unaffected");

  f.clock.advanceMs(PAYMENT_METHOD_RATE_LIMITS.perPublishableKey.windowMs / PAYMENT_METHOD_RATE_LIMITS.perPublishableKey.perWindow);
  assert.equal((await createPaymentMethod(key, '203.0.113.3')).statusCode, 200, 'one more once a token is back');
});

test('a burst from one client address gets 429 after its limit, whatever the key; the official SDK raises StripeRateLimitError; secret keys are not limited here', async () => {
  const { burst } = PAYMENT_METHOD_RATE_LIMITS.perClientAddress;
  for (let i = 0; i < burst; i++) assert.equal((await createPaymentMethod(f.merchant.publishableKey, '192.0.2.7')).statusCode, 200);
  assert.equal((await createPaymentMethod(f.merchant.publishableKey, '192.0.2.7')).statusCode, 429);
  const other = await f.addMerchant({ name: 'Other shop' });
  assert.equal((await createPaymentMethod(other.publishableKey, '192.0.2.7')).statusCode, 429, 'the address is limited with any key');
  assert.equal((await createPaymentMethod(f.merchant.publishableKey, '192.0.2.8')).statusCode, 200, 'another address is not');

  const sdk = f.stripeFor(f.merchant.publishableKey);
  let lastError: unknown;
  for (let i = 0; i <= burst && lastError === undefined; i++) {
    await sdk.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030 } }).catch((error: unknown) => (lastError = error));
  }
  assert.ok(lastError instanceof Stripe.errors.StripeRateLimitError, String(lastError));

  for (let i = 0; i <= burst; i++) assert.equal((await createPaymentMethod(f.merchant.secretKey, '192.0.2.9')).statusCode, 200);
});
