import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { cardStatement } from '../../src/issuer/cards/statement.ts';
import { recordUsage } from '../../src/billing/metering.ts';
import { listAttempts } from '../../src/billing/payments/payment-attempts.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// Billing's cards, purchases, receipts and refunds, paid through the acquirer
// with the official stripe SDK, on Cardlane's issuer and the test bank.

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture();
});
afterEach(async () => {
  await b.cards.assertConsistent();
  await b.close();
});

const VISA = '4242424242424242';
const DECLINES_CHARGES = '4000000000000341';
const GENERIC_DECLINE = '4000000000000002';

test('adding a Cardlane card verifies it: the $5 hold appears on the card and is released; the card is listed, not default', async () => {
  const { orgId, apiKey } = await b.newOrg();
  const { card, pmId } = await b.cardlaneCard(1500);
  const added = await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.equal(added.body.funding, 'prepaid');
  assert.equal(added.body.is_default, false);
  assert.equal(added.body.verification.hold.amount_minor, 500);

  const { lines } = await cardStatement(b.cards.ledger, b.f.db, { cardholderId: card.cardholderId, cardId: card.cardId, limit: 50 });
  const payments = lines.filter((line) => line.type !== 'load').map((line) => `${line.type} ${line.amountUsdMinor} ${line.status}`).sort();
  assert.deepEqual(payments, ['account_verification -500 reversed', 'reversal 500 reversed']);
  assert.equal(await b.cards.available(card), 1500);

  const listed = await b.api(apiKey, 'GET', '/payment_methods');
  assert.deepEqual(listed.body.data.map((pm: { id: string }) => pm.id), [pmId]);
  const [verification] = await listAttempts(b.f.db, orgId, { limit: 5 });
  assert.deepEqual([verification?.kind, verification?.status, verification?.amountMinor], ['verification', 'succeeded', 500]);

  const again = await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId });
  assert.equal(again.status, 201, 'adding the same card again answers it again');
  assert.equal((await listAttempts(b.f.db, orgId, { limit: 5 })).length, 1);
});

test('a card that cannot cover the verification hold is not added; the decline is kept with the acquirer codes', async () => {
  const { orgId, apiKey } = await b.newOrg();
  const { card, pmId } = await b.cardlaneCard(300);
  const added = await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId });
  assert.equal(added.status, 402);
  assert.equal(added.body.error.code, 'card_declined');
  assert.equal(added.body.error.decline_code, 'insufficient_funds');
  assert.equal(added.body.error.payment.failure.network_decline_code, '51');
  assert.match(added.body.error.payment.failure.explanation.en, /not have enough money/);
  assert.match(added.body.error.payment.failure.explanation.zh, /余额不足/);
  assert.deepEqual((await b.api(apiKey, 'GET', '/payment_methods')).body.data, []);
  const [attempt] = await listAttempts(b.f.db, orgId, { limit: 5 });
  assert.equal(attempt?.status, 'failed');
  assert.equal(attempt?.failure?.provider_error.decline_code, 'insufficient_funds');
  assert.equal(await b.cards.available(card), 300);
});

test('set default, buy credits on it: credits only on success, with a receipt; a card declining charges grants nothing', async () => {
  const { orgId, apiKey } = await b.newOrg();
  const visa = await b.testCard(VISA);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: visa });
  const noDefault = await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000 });
  assert.equal(noDefault.status, 400);
  assert.equal(noDefault.body.error.code, 'payment_method_required');

  const made = await b.api(apiKey, 'POST', `/payment_methods/${visa}/default`);
  assert.equal(made.body.is_default, true);
  const bought = await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000 });
  assert.equal(bought.status, 200, JSON.stringify(bought.body));
  assert.equal(bought.body.status, 'succeeded');
  assert.equal(bought.body.receipt.amount.amount_minor, 1000);
  assert.match(bought.body.receipt.number, /-0001$/);
  // The payment names its invoice (the billing page's history shows it).
  assert.match(bought.body.invoice.number, /^INV-\w{6}-000001$/);
  const invoice = await b.api(apiKey, 'GET', `/invoices/${bought.body.invoice.id}`);
  assert.equal(invoice.body.number, bought.body.invoice.number);
  assert.equal(await b.balance(orgId), 1000);

  const declining = await b.testCard(DECLINES_CHARGES);
  assert.equal((await b.api(apiKey, 'POST', '/payment_methods', { payment_method: declining })).status, 201, '0341 passes verification');
  const refused = await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000, payment_method: declining });
  assert.equal(refused.status, 402);
  assert.equal(refused.body.error.decline_code, 'generic_decline');
  assert.equal(refused.body.error.payment.status, 'failed');
  assert.equal(await b.balance(orgId), 1000, 'no credits for a declined payment');
  const receipts = await b.api(apiKey, 'GET', '/receipts');
  assert.equal(receipts.body.data.length, 1);
});

test("the seed's rule blocks a manual purchase on a prepaid card before the network; the block is kept with its rule", async () => {
  const { orgId, apiKey } = await b.newOrg();
  const { card, pmId } = await b.cardlaneCard(1500);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId });
  const refused = await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000, payment_method: pmId });
  assert.equal(refused.status, 402);
  assert.equal(refused.body.error.code, 'card_declined');
  const [attempt] = await listAttempts(b.f.db, orgId, { limit: 1, kind: 'purchase' });
  assert.equal(attempt?.failure?.outcome?.type, 'blocked');
  assert.ok(attempt?.failure?.outcome?.rule, 'the charge outcome names the rule');
  assert.equal(attempt?.failure?.network_decline_code, null, 'no authorization reached the issuer');
  assert.equal(attempt?.failureClass, 'hard');
  assert.equal(await b.cards.available(card), 1500);
  assert.equal(await b.balance(orgId), 0);
});

test('purchase amounts are checked against the minimum and maximum; bad input changes nothing', async () => {
  const { orgId, apiKey } = await b.newOrg();
  const visa = await b.testCard(VISA);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: visa });
  for (const amount of [499, 100_001, 0, -500]) {
    const answer = await b.api(apiKey, 'POST', '/credit_purchases', { amount, payment_method: visa });
    assert.equal(answer.status, 400, String(amount));
    assert.equal(answer.body.error.code, 'purchase_amount_out_of_range');
  }
  for (const body of [{ amount: 10.5, payment_method: visa }, { amount: '1000' }, { amount: 1000, extra: 1 }]) {
    assert.equal((await b.api(apiKey, 'POST', '/credit_purchases', body)).status, 400, JSON.stringify(body));
  }
  assert.equal((await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000, payment_method: 'pm_nope' })).status, 404);
  assert.equal((await b.api('sk-cl-wrong', 'GET', '/payment_methods')).status, 401);
  assert.equal((await listAttempts(b.f.db, orgId, { limit: 10, kind: 'purchase' })).length, 0);
});

test('an Idempotency-Key makes a retried purchase answer the first one instead of paying twice', async () => {
  const { orgId, apiKey } = await b.newOrg();
  const visa = await b.testCard(VISA);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: visa });
  const headers = { 'idempotency-key': 'buy-1' };
  const first = await b.api(apiKey, 'POST', '/credit_purchases', { amount: 700, payment_method: visa }, headers);
  const second = await b.api(apiKey, 'POST', '/credit_purchases', { amount: 700, payment_method: visa }, headers);
  assert.equal(second.body.id, first.body.id);
  assert.equal(await b.balance(orgId), 700);
  const other = await b.api(apiKey, 'POST', '/credit_purchases', { amount: 800, payment_method: visa }, headers);
  assert.equal(other.status, 400);
  assert.equal(other.body.error.code, 'idempotency_key_reused');
});

test('a refund removes the credits; a refund of spent credits takes the balance negative, and the next purchase pays it off', async () => {
  const { orgId, apiKey } = await b.newOrg();
  const visa = await b.testCard(VISA);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: visa });
  await b.api(apiKey, 'POST', `/payment_methods/${visa}/default`);
  const first = (await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000 })).body;
  const partial = await b.billing.refunds.refund(first.id, { amountMinor: 300 });
  assert.equal(partial.status, 'succeeded');
  assert.equal(await b.balance(orgId), 700);

  // Spend $5 of the $7 left, then refund the remaining $7 of the payment: $2 from credits, $5 owed.
  // $2.00 per 1M input tokens: 2.5M tokens cost $5.00.
  const usage = await recordUsage(b.f.db, { clock: b.f.clock, ledger: b.f.ledger }, { orgId, usageEventId: 'u1', model: 'cardlane-echo-1', inputTokens: 2_500_000, outputTokens: 0 });
  assert.equal(usage.result, 'recorded');
  const spent = 500;
  assert.equal(await b.balance(orgId), 200);
  const rest = await b.billing.refunds.refund(first.id);
  assert.equal(rest.amountMinor, 700);
  assert.equal(rest.creditsRemovedMinor, 700 - spent);
  assert.equal(rest.debtMinor, spent);
  assert.equal(await b.balance(orgId), -spent);
  await assert.rejects(b.billing.refunds.refund(first.id, { amountMinor: 1 }), { code: 'refund_amount_out_of_range' });

  const more = await b.openai(apiKey).chat.completions.create({ model: 'cardlane-echo-1', messages: [{ role: 'user', content: 'hi' }] }).catch((error: { status: number }) => error);
  assert.equal((more as { status: number }).status, 429, 'usage stops while the balance is negative');

  await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000 });
  assert.equal(await b.balance(orgId), 1000 - spent, 'the next purchase pays the debt first');
});
