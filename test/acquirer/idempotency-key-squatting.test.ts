import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';

// A publishable key is public: it sits in the merchant's page. Idempotency keys were one namespace per merchant, so
// anyone could send a request with the publishable key under a key the merchant's server would use next — an order
// number is the usual choice — and the server's request was then refused (400 idempotency_key_reused) for a day:
// its payment could not be created. The same refusal told the caller which keys the server had used. A publishable
// key's idempotency keys are now their own namespace: neither side can claim, replay or probe the other's.

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints });
});
afterEach(async () => {
  await f.close();
});

function post(key: string, path: string, idempotencyKey: string, payload: string) {
  return f.app.inject({
    method: 'POST',
    url: path,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': idempotencyKey },
    payload,
  });
}

const CARD = 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123';

test('idempotency keys: a publishable key cannot squat on (or probe) the keys the merchant’s server will use', async () => {
  // Someone in the browser claims the server's next key first.
  const squat = await post(f.merchant.publishableKey, '/v1/payment_methods', 'order-1042', CARD);
  assert.equal(squat.statusCode, 200, squat.body);
  const server = await post(f.merchant.secretKey, '/v1/customers', 'order-1042', 'email=buyer%40example.com');
  assert.equal(server.statusCode, 200, `the server's request runs: ${server.body}`);
  assert.equal(server.json().object, 'customer');
  assert.equal(server.headers['idempotent-replayed'], undefined);

  // Each side still gets its own replay, and only its own.
  const serverAgain = await post(f.merchant.secretKey, '/v1/customers', 'order-1042', 'email=buyer%40example.com');
  assert.equal(serverAgain.headers['idempotent-replayed'], 'true');
  assert.equal(serverAgain.json().id, server.json().id);
  const browserAgain = await post(f.merchant.publishableKey, '/v1/payment_methods', 'order-1042', CARD);
  assert.equal(browserAgain.headers['idempotent-replayed'], 'true');
  assert.equal(browserAgain.json().id, squat.json().id);

  // The browser learns nothing about the server's keys: a key the server used is, to it, a fresh key.
  await post(f.merchant.secretKey, '/v1/customers', 'order-1043', 'email=other%40example.com');
  const probe = await post(f.merchant.publishableKey, '/v1/payment_methods', 'order-1043', CARD);
  assert.equal(probe.statusCode, 200, probe.body);
  assert.equal(probe.headers['idempotent-replayed'], undefined);

  // A reused key with other parameters is refused on each side, naming the key as the caller sent it.
  const reused = await post(f.merchant.publishableKey, '/v1/payment_methods', 'order-1042', CARD.replace('4242424242424242', '5555555555554444'));
  assert.equal(reused.statusCode, 400);
  assert.equal(reused.json().error.code, 'idempotency_key_reused');
  assert.match(reused.json().error.message, /'order-1042'/);
});
