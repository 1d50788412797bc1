import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { listAttempts } from '../../src/billing/payments/payment-attempts.ts';
import type { CardNetwork } from '../../src/network/card-network.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// Every input from outside is validated: a bad request is a 4xx with a
// stable code and changes nothing — no payment, no setting, no card moved.
// Another organization's ids are answered 404, as if they did not exist.

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture();
});
afterEach(async () => {
  await (b.f.deps.network as CardNetwork).idle();
  await b.cards.assertConsistent();
  await b.close();
});

const VISA = '4242424242424242';


/** Everything a bad request could have changed, in one comparable value. */
async function state(orgId: string, apiKey: string) {
  return {
    payments: (await listAttempts(b.f.db, orgId, { limit: 100 })).map((a) => [a.id, a.status, a.refundedMinor]),
    balance: await b.balance(orgId),
    cards: (await b.api(apiKey, 'GET', '/payment_methods')).body.data.map((pm: { id: string; is_default: boolean }) => [pm.id, pm.is_default]),
    autoRecharge: (await b.api(apiKey, 'GET', '/auto_recharge')).body,
    subscriptions: (await b.api(apiKey, 'GET', '/subscriptions')).body.data.map((s: { id: string; status: string; cancel_at_period_end: boolean }) => [s.id, s.status, s.cancel_at_period_end]),
  };
}

test('unknown or mistyped fields are refused with 400 parameter_unknown / parameter_invalid, never dropped or coerced into a payment or a setting', async () => {
  const { orgId, apiKey, pmId } = await b.orgWithDefaultCard();
  const sub = await b.api(apiKey, 'POST', '/subscriptions', { plan: 'plus' });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  const before = await state(orgId, apiKey);

  const bad: [string, string, unknown, string, string][] = [
    ['POST', '/credit_purchases', { amount: 1000, amout: 5 }, 'parameter_unknown', 'amout'],
    ['POST', '/credit_purchases', { amount: '1000' }, 'parameter_invalid', 'amount'],
    ['POST', '/credit_purchases', { amount: true }, 'parameter_invalid', 'amount'],
    ['POST', '/credit_purchases', { amount: 1000, payment_method: [pmId] }, 'parameter_invalid', 'payment_method'],
    ['POST', '/payment_methods', { payment_method: pmId, default: true }, 'parameter_unknown', 'default'],
    ['POST', '/auto_recharge', { enabled: true, threshold: null, target: 2_000 }, 'parameter_invalid', 'threshold'],
    ['POST', '/auto_recharge', { enabled: 'true', threshold: 500, target: 2_000 }, 'parameter_invalid', 'enabled'],
    ['POST', '/auto_recharge', { enabled: true, threshold: 500, target: 2_000, limit: 5_000 }, 'parameter_unknown', 'limit'],
    ['POST', '/subscriptions', { plan: 'plus', quantity: 2 }, 'parameter_unknown', 'quantity'],
    ['POST', `/subscriptions/${sub.body.id}/cancel`, { at_period_end: 'yes' }, 'parameter_invalid', 'at_period_end'],
    ['POST', `/subscriptions/${sub.body.id}/cancel`, { at_end: true }, 'parameter_unknown', 'at_end'],
    ['GET', '/payments?limit=5&status=failed', undefined, 'parameter_unknown', 'status'],
    ['GET', '/receipts?since=2024', undefined, 'parameter_unknown', 'since'],
  ];
  for (const [method, path, body, code, param] of bad) {
    const answer = await b.api(apiKey, method, path, body, method === 'POST' ? { 'idempotency-key': `bad-${path}-${JSON.stringify(body)}` } : {});
    assert.deepEqual([answer.status, answer.body.error?.code, answer.body.error?.param], [400, code, param], `${method} ${path} ${JSON.stringify(body)}`);
  }
  assert.deepEqual(await state(orgId, apiKey), before, 'no bad request changed anything');

  // The same requests, right, still work.
  assert.equal((await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000 })).status, 200);
  assert.equal((await b.api(apiKey, 'POST', '/auto_recharge', { enabled: false, threshold: 0, target: 2_000 })).status, 200);
  assert.equal((await b.api(apiKey, 'POST', `/subscriptions/${sub.body.id}/cancel`)).status, 200, 'cancel takes no body');
});

test("another organization's cards, payments and subscriptions are 404 to it, on every route, and nothing of them changes", async () => {
  const owner = await b.orgWithDefaultCard();
  const bought = await b.api(owner.apiKey, 'POST', '/credit_purchases', { amount: 1000 });
  const sub = await b.api(owner.apiKey, 'POST', '/subscriptions', { plan: 'plus' });
  await b.api(owner.apiKey, 'POST', `/subscriptions/${sub.body.id}/cancel`, { at_period_end: true });
  const before = await state(owner.orgId, owner.apiKey);

  const other = await b.orgWithDefaultCard();
  const otherBefore = await state(other.orgId, other.apiKey);
  const attempts: [string, string, unknown?][] = [
    ['POST', `/payment_methods/${owner.pmId}/default`],
    ['DELETE', `/payment_methods/${owner.pmId}`],
    ['GET', `/payments/${bought.body.id}`],
    ['POST', '/credit_purchases', { amount: 1000, payment_method: owner.pmId }],
    ['POST', '/payment_methods', { payment_method: owner.pmId }],
    ['GET', `/subscriptions/${sub.body.id}`],
    ['POST', `/subscriptions/${sub.body.id}/cancel`],
    ['POST', `/subscriptions/${sub.body.id}/resume`],
  ];
  for (const [method, path, body] of attempts) {
    const answer = await b.api(other.apiKey, method, path, body);
    assert.deepEqual([answer.status, answer.body.error?.code], [404, 'resource_missing'], `${method} ${path} ${JSON.stringify(answer.body)}`);
  }
  assert.deepEqual(await state(owner.orgId, owner.apiKey), before);
  assert.deepEqual(await state(other.orgId, other.apiKey), otherBefore, 'nor anything of the one asking');
  const card = await b.f.stripe.paymentMethods.retrieve(owner.pmId);
  assert.ok(card.customer, 'still attached to its owner at the provider');
});

test("a card another organization removed cannot be taken over: 404, and the other organization's record is left as it was", async () => {
  const first = await b.orgWithDefaultCard();
  assert.equal((await b.api(first.apiKey, 'DELETE', `/payment_methods/${first.pmId}`)).status, 200);
  const second = await b.newOrg();
  const taken = await b.api(second.apiKey, 'POST', '/payment_methods', { payment_method: first.pmId });
  assert.deepEqual([taken.status, taken.body.error?.code], [404, 'resource_missing'], JSON.stringify(taken.body));
  assert.deepEqual((await b.api(first.apiKey, 'GET', '/payment_methods')).body.data, [], 'not brought back for the first');
  assert.deepEqual((await b.api(second.apiKey, 'GET', '/payment_methods')).body.data, []);
  assert.deepEqual(await listAttempts(b.f.db, second.orgId, { limit: 5 }), []);
});

test('set-default racing remove of the same card ends with the card removed and no default', async () => {
  const { orgId, apiKey, pmId } = await b.orgWithDefaultCard();
  const other = await b.testCard(VISA);
  assert.equal((await b.api(apiKey, 'POST', '/payment_methods', { payment_method: other })).status, 201);
  const answers = await Promise.all([b.api(apiKey, 'POST', `/payment_methods/${other}/default`), b.api(apiKey, 'DELETE', `/payment_methods/${other}`)]);
  assert.ok(answers.every((a) => a.status === 200 || a.status === 404), JSON.stringify(answers));
  const cards = (await b.api(apiKey, 'GET', '/payment_methods')).body.data;
  assert.deepEqual(cards.map((pm: { id: string }) => pm.id), [pmId]);
  const row = await b.f.db.get<{ default_payment_method_id: string | null }>('SELECT default_payment_method_id FROM billing_organizations WHERE id = ?', [orgId]);
  assert.ok(row?.default_payment_method_id !== other, 'a removed card is never the default');
});
