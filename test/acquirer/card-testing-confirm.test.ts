import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { PAYMENT_METHOD_RATE_LIMITS } from '../../src/acquirer/payments/payment-method-rate-limits.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Card data typed into a confirm (`payment_method_data`) is vaulted just as POST /v1/payment_methods vaults it.
// With a publishable key and one intent's client_secret, a card tester looped confirm with card after card: the
// intent returns to requires_payment_method after each decline, and nothing limited the loop (POST
// /v1/payment_methods stopped the same script after 20). A confirm carrying card data now draws from the same
// buckets as creating payment methods.

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
});
afterEach(async () => {
  await f.close();
});

const ADDRESS = '192.0.2.66';
const DECLINING_CARD =
  'payment_method_data[type]=card&payment_method_data[card][number]=4000000000000002&payment_method_data[card][exp_month]=12&payment_method_data[card][exp_year]=2030&payment_method_data[card][cvc]=123';

function browserCall(path: string, payload: string) {
  return f.app.inject({
    method: 'POST',
    url: path,
    remoteAddress: ADDRESS,
    headers: { authorization: `Bearer ${f.merchant.publishableKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload,
  });
}

const count = async (table: string) => Number((await f.db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n);

test('card testing through confirm: payment_method_data with a publishable key draws from the payment-method limits, 429 before anything is vaulted or sent', async () => {
  const { burst } = PAYMENT_METHOD_RATE_LIMITS.perClientAddress;
  const intent = await f.stripe.paymentIntents.create({ amount: 500, currency: 'usd' });
  const confirm = (id: string, secret: string) => browserCall(`/v1/payment_intents/${id}/confirm`, `client_secret=${encodeURIComponent(secret)}&${DECLINING_CARD}`);
  const statuses: number[] = [];
  for (let i = 0; i < burst; i++) statuses.push((await confirm(intent.id, intent.client_secret!)).statusCode);
  assert.ok(statuses.every((status) => status === 402), `each try within the limit is declined, not refused (${statuses.join(',')})`);
  const vaulted = await count('acquirer_payment_methods');
  const charges = await count('acquirer_charges');

  const refused = await confirm(intent.id, intent.client_secret!);
  assert.equal(refused.statusCode, 429, refused.body);
  assert.equal(refused.json().error.code, 'rate_limit');
  assert.equal(await count('acquirer_payment_methods'), vaulted, 'a refused confirm vaults nothing');
  assert.equal(await count('acquirer_charges'), charges, 'and sends nothing to the network');

  // The same address can switch neither to creating payment methods nor to a setup intent's confirm.
  const card = 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123';
  assert.equal((await browserCall('/v1/payment_methods', card)).statusCode, 429);
  const setup = await f.stripe.setupIntents.create({});
  assert.equal((await browserCall(`/v1/setup_intents/${setup.id}/confirm`, `client_secret=${encodeURIComponent(setup.client_secret!)}&${DECLINING_CARD}`)).statusCode, 429);

  // A confirm naming a payment method already vaulted types in no card and is not limited here; nor is the secret key.
  const saved = await f.stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } });
  const byId = await browserCall(`/v1/payment_intents/${intent.id}/confirm`, `client_secret=${encodeURIComponent(intent.client_secret!)}&payment_method=${saved.id}`);
  assert.equal(byId.statusCode, 200, byId.body);
  const server = await f.stripe.paymentIntents.create({ amount: 700, currency: 'usd' });
  const bySecretKey = await f.app.inject({
    method: 'POST',
    url: `/v1/payment_intents/${server.id}/confirm`,
    remoteAddress: ADDRESS,
    headers: { authorization: `Bearer ${f.merchant.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: DECLINING_CARD,
  });
  assert.equal(bySecretKey.statusCode, 402, bySecretKey.body);
});
