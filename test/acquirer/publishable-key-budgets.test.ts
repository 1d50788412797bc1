import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { PAYMENT_METHOD_RATE_LIMITS } from '../../src/acquirer/payments/payment-method-rate-limits.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';

// A merchant's publishable key sits in its page (billing's page adds every
// customer's card with it), so anyone can spend what the key may do. Its
// budget for creating payment methods was 60 a minute for the whole key:
// three clients — or one IPv6 household rotating its /64s — spent it, and
// then no customer of the merchant could add a card. Now each client and
// each network has a budget of its own in front of the key's, which stays as
// a ceiling many times larger (card testing from many addresses is real).

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints });
});
afterEach(async () => {
  await f.close();
});

const CARD = 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123';

async function addCard(remoteAddress: string, headers: Record<string, string> = {}, key = f.merchant.publishableKey) {
  const answer = await f.app.inject({
    method: 'POST',
    url: '/v1/payment_methods',
    remoteAddress,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: CARD,
  });
  return { status: answer.statusCode, body: answer.json() };
}

async function spend(remoteAddress: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) assert.equal((await addCard(remoteAddress)).status, 200, `${remoteAddress}, card ${i + 1}`);
}

const perClient = PAYMENT_METHOD_RATE_LIMITS.perClientAddress.burst;
const perNetwork = PAYMENT_METHOD_RATE_LIMITS.perPublishableKeyAndNetwork.burst;
const ceiling = PAYMENT_METHOD_RATE_LIMITS.perPublishableKey.burst;

test('budgets: one client and one network take a small share of the key, so it takes many of them to reach the ceiling', () => {
  assert.ok(perClient < perNetwork && perNetwork * 4 < ceiling, JSON.stringify({ perClient, perNetwork, ceiling }));
});

test("clients that each spend their own budget leave the merchant's other customers able to add a card", async () => {
  const testers = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
  for (const address of testers) await spend(address, perClient);
  for (const address of testers) {
    const refused = await addCard(address);
    assert.deepEqual([refused.status, refused.body.error.type, refused.body.error.code], [429, 'rate_limit_error', 'rate_limit'], 'each has spent its own');
    assert.match(refused.body.error.message, /from this address/);
  }
  // Before: 3 × 20 was the key's whole budget of 60, and this customer got 429 too.
  assert.equal((await addCard('192.0.2.44')).status, 200, 'a customer from another address adds a card');
});

test("one IPv6 network rotating its /64s takes at most its network's budget from the key", async () => {
  const subnets = Array.from({ length: perNetwork / perClient }, (_, i) => `2001:db8:aa:${(i + 1).toString(16)}::1`);
  for (const address of subnets) await spend(address, perClient);
  const fresh = await addCard('2001:db8:aa:ff::1');
  assert.equal(fresh.status, 429, "a fresh /64 of the same /48 is the same network: its budget at this key is spent");
  assert.match(fresh.body.error.message, /from this network/);
  assert.equal((await addCard('2001:db8:aa:ff::1', {}, (await f.addMerchant({ name: 'Other shop' })).publishableKey)).status, 200, 'at another shop it has a budget of its own');
  // Before: the household spent the key's 60, and every other customer of the merchant got 429.
  assert.equal((await addCard('2001:db8:bb:1::1')).status, 200, 'a customer on another network adds a card');
  assert.equal((await addCard('192.0.2.45')).status, 200);
});

test('a forged X-Forwarded-For buys no fresh budget', async () => {
  for (let i = 0; i < perClient; i++) assert.equal((await addCard('203.0.113.7', { 'x-forwarded-for': `10.9.0.${i}` })).status, 200);
  const refused = await addCard('203.0.113.7', { 'x-forwarded-for': '10.9.1.1', forwarded: 'for=10.9.1.1' });
  assert.equal(refused.status, 429);
});

test("the key's ceiling still holds against many clients on many networks, and a refused call vaults nothing", async () => {
  let client = 0;
  for (let spent = 0; spent < ceiling; spent += perClient) await spend(`10.20.${++client}.1`, Math.min(perClient, ceiling - spent));
  const count = async () => Number((await f.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM acquirer_payment_methods'))!.n);
  const before = await count();
  const refused = await addCard('10.20.250.1');
  assert.deepEqual([refused.status, refused.body.error.code], [429, 'rate_limit']);
  assert.match(refused.body.error.message, /with this publishable key/);
  assert.equal(await count(), before);
  const other = await f.addMerchant({ name: 'Other shop' });
  assert.equal((await addCard('10.20.250.1', {}, other.publishableKey)).status, 200, "another merchant's key is unaffected, and the refusal cost this client nothing");
});
