import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import Stripe from 'stripe';
import type { Cardlane } from '../../src/app/start.ts';
import { creditBalance } from '../../src/billing/billing-ledger.ts';
import type { BillingServices } from '../../src/billing/billing-services.ts';
import { PROVIDER_EVENT_TYPES } from '../../src/billing/provider-events/provider-event-feed.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { demoMerchantStripe, startInProcessCardlane, type InProcessCardlane } from '../support/in-process-cardlane.ts';
import { orgWithPurchase as purchaseFor, spendCredits, type CreditWorld } from './credit-purchase-fixture.ts';

// A review found that refunds made at the acquirer outside billing (the merchant's operator with the Stripe API or CLI)
// and chargebacks of credit purchases never reached billing: the customer kept the credits the money had paid for.
// Billing now reads the provider's events (GET /v1/events, a stored cursor) and takes those credits back through its
// refund path — once per refund or dispute step, whatever the repeats, the order or the concurrency — and gives
// them back when the merchant wins the dispute.

const clock = new ManualClock(Date.UTC(2026, 4, 1));
let cardlane: Cardlane;
let billing: BillingServices;
let merchant: Stripe;
let tokenizer: Stripe;

let running: InProcessCardlane;

before(async () => {
  running = await startInProcessCardlane('provider-events', clock);
  cardlane = running.cardlane;
  billing = cardlane.billing.services;
  ({ merchant, tokenizer } = demoMerchantStripe(cardlane));
});
after(() => running?.close());

const balance = async (orgId: string) => (await creditBalance(cardlane.db, orgId))!.available_minor;
const sweep = () => cardlane.runTask('billing.provider-events');
const step = () => clock.advanceMs(1_000);

const world = (): CreditWorld => ({ cardlane, tokenizer, clock });
const orgWithPurchase = (amountMinor: number, number?: string) => purchaseFor(world(), 'Refunded API customer', amountMinor, number);
const spend = (orgId: string, amountMinor: number, id: string) => spendCredits(world(), orgId, amountMinor, id);

async function api(apiKey: string, path: string): Promise<any> {
  const response = await fetch(`${cardlane.url}/billing/v1${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(response.status, 200);
  return response.json();
}

async function auditOk(): Promise<void> {
  const report = await cardlane.auditLedger();
  assert.equal(report.ok, true, JSON.stringify(report));
}

/** Every event billing acts on that the provider has, as the list gives them. */
async function providerEvents(): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for await (const event of merchant.events.list({ types: [...PROVIDER_EVENT_TYPES], limit: 100 })) events.push(event);
  return events;
}

test("a refund made at the acquirer takes back the credits it paid for, once, and the organization's history says why in English and Chinese", async () => {
  const { orgId, apiKey, purchase } = await orgWithPurchase(2_000);
  assert.equal(await balance(orgId), 2_000);
  await merchant.refunds.create({ payment_intent: purchase.providerIntentId!, amount: 500, reason: 'requested_by_customer' });
  step();
  await sweep();
  assert.equal(await balance(orgId), 1_500, 'the $5.00 refunded at the acquirer left the balance');
  // Read again, the cursor forgotten, and the inbox forgotten too (as a crash after the effects, before the event was marked): still once.
  await sweep();
  await cardlane.db.run('DELETE FROM billing_provider_event_cursor');
  await sweep();
  await cardlane.db.run('DELETE FROM billing_provider_events');
  await sweep();
  assert.equal(await balance(orgId), 1_500, 'no second removal');

  const payment = await api(apiKey, `/payments/${purchase.id}`);
  assert.equal(payment.refunded.amount_minor, 500);
  // The organization's one invoice, its purchase's.
  const [invoice] = (await api(apiKey, '/invoices')).data;
  assert.equal(invoice.status, 'partially_refunded');
  const adjustments = (await api(apiKey, '/credit_adjustments')).data;
  assert.equal(adjustments.length, 1);
  assert.equal(adjustments[0].kind, 'provider_refund');
  assert.equal(adjustments[0].credits_removed.amount_minor, 500);
  assert.match(adjustments[0].description.en, /refunded by the merchant at the payment provider/);
  assert.match(adjustments[0].description['zh-CN'], /退款/);
  await auditOk();
});

test('credits already spent become debt: the balance goes negative and usage stops, as after billing’s own refunds', async () => {
  const { orgId, apiKey, purchase } = await orgWithPurchase(1_000);
  await spend(orgId, 800, 'spend-1');
  await merchant.refunds.create({ payment_intent: purchase.providerIntentId! });
  step();
  await sweep();
  assert.equal(await balance(orgId), -800, '$2.00 removed from what was left, $8.00 owed');
  const [adjustment] = (await api(apiKey, '/credit_adjustments')).data;
  assert.deepEqual([adjustment.credits_removed.amount_minor, adjustment.debt.amount_minor], [200, 800]);
  assert.match(adjustment.description.en, /usage is paused/);
  assert.match(adjustment.description['zh-CN'], /欠款/);
  const invoice = (await api(apiKey, '/invoices')).data[0];
  assert.equal(invoice.status, 'refunded');
  await auditOk();
});

test("billing's own refund is not taken twice when its events come back through the sweep", async () => {
  const { orgId, purchase } = await orgWithPurchase(3_000);
  const own = await billing.refunds.refund(purchase.id, { amountMinor: 1_000 });
  assert.equal(own.status, 'succeeded');
  assert.equal(await balance(orgId), 2_000);
  step();
  await sweep();
  await cardlane.db.run('DELETE FROM billing_provider_events');
  await sweep();
  assert.equal(await balance(orgId), 2_000, 'only billing’s own removal');
  // Then the operator refunds the rest at the acquirer: that part goes, once.
  await merchant.refunds.create({ payment_intent: purchase.providerIntentId! });
  step();
  await sweep();
  assert.equal(await balance(orgId), 0);
  await auditOk();
});

test('a chargeback takes the credits back; the merchant wins the dispute and they come back; repeats and reordering change nothing', async () => {
  // 4000000000000259: the test bank disputes the payment as fraudulent after the capture.
  const { orgId, apiKey, purchase } = await orgWithPurchase(2_500, '4000000000000259');
  let dispute: Stripe.Dispute | undefined;
  for (let i = 0; i < 5 && dispute === undefined; i++) {
    await cardlane.runTask('network.test-bank-disputes');
    dispute = (await merchant.disputes.list({ payment_intent: purchase.providerIntentId! })).data[0];
  }
  assert.ok(dispute, 'the test bank opened a dispute');
  step();
  await sweep();
  assert.equal(await balance(orgId), 0, 'the disputed $25.00 of credits left');

  await merchant.disputes.update(dispute.id, { evidence: { uncategorized_text: 'winning_evidence' } });
  for (let i = 0; i < 5 && (await merchant.disputes.retrieve(dispute.id)).status !== 'won'; i++) await cardlane.runTask('network.test-bank-disputes');
  assert.equal((await merchant.disputes.retrieve(dispute.id)).status, 'won');
  step();
  // Every dispute event delivered again, newest first (a close before its opening) and twice, into an inbox that forgot them.
  await cardlane.db.run('DELETE FROM billing_provider_events');
  const events = (await providerEvents()).filter((e) => (e.data.object as { id: string }).id === dispute!.id);
  assert.ok(events.some((e) => e.type === 'charge.dispute.closed'));
  await billing.providerEvents.receive([...events, ...events]);
  await Promise.all([billing.providerEvents.handlePending(), billing.providerEvents.handlePending(), sweep()]);
  assert.equal(await balance(orgId), 2_500, 'the credits came back once');
  const kinds = (await api(apiKey, '/credit_adjustments')).data.map((a: any) => a.kind).sort();
  assert.deepEqual(kinds, ['dispute_reinstated', 'dispute_withdrawn']);
  await auditOk();
});

test('a refund seen while billing has not finished the payment waits for it, then takes the credits', async () => {
  const { orgId, purchase } = await orgWithPurchase(1_500);
  // As if billing's answer had been lost: the attempt is still processing, its credits not granted from billing's view.
  await cardlane.db.run(`UPDATE billing_payment_attempts SET status = 'processing' WHERE id = ?`, [purchase.id]);
  await merchant.refunds.create({ payment_intent: purchase.providerIntentId! });
  step();
  await sweep();
  assert.equal(await balance(orgId), 1_500, 'nothing taken while the payment is processing');
  const waiting = await cardlane.db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM billing_provider_events WHERE status = 'pending'`);
  assert.ok(Number(waiting!.n) >= 1);
  await cardlane.db.run(`UPDATE billing_payment_attempts SET status = 'succeeded' WHERE id = ?`, [purchase.id]);
  await sweep();
  assert.equal(await balance(orgId), 0);
  await auditOk();
});

test('property: any mix of operator refunds, billing refunds, repeated, reordered and concurrent deliveries removes each refund exactly once', async () => {
  const action = fc.oneof(
    fc.record({ kind: fc.constant('provider' as const), amount: fc.integer({ min: 1, max: 2_000 }) }),
    fc.record({ kind: fc.constant('billing' as const), amount: fc.integer({ min: 1, max: 2_000 }) }),
    fc.record({ kind: fc.constant('sweep' as const), concurrent: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ kind: fc.constant('redeliver' as const), seed: fc.integer() }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 6 }), async (actions) => {
      const { orgId, purchase } = await orgWithPurchase(5_000);
      let refunded = 0;
      for (const a of actions) {
        const left = 5_000 - refunded;
        if ((a.kind === 'provider' || a.kind === 'billing') && left === 0) continue;
        if (a.kind === 'provider') {
          const amount = Math.min(a.amount, left);
          const made = await merchant.refunds.create({ payment_intent: purchase.providerIntentId!, amount });
          if (made.status === 'succeeded') refunded += amount;
        } else if (a.kind === 'billing') {
          const amount = Math.min(a.amount, left);
          if ((await billing.refunds.refund(purchase.id, { amountMinor: amount })).status === 'succeeded') refunded += amount;
        } else if (a.kind === 'sweep') {
          await Promise.all(Array.from({ length: a.concurrent }, () => sweep()));
        } else {
          // Every event again, in a shuffled order, into an inbox that forgot them, handled by two runs at once.
          await cardlane.db.run('DELETE FROM billing_provider_events');
          const events = await providerEvents();
          const order = events.map((e, i) => ({ e, k: (Math.imul(i + 1, a.seed | 1) >>> 0) % 9973 })).sort((x, y) => x.k - y.k).map((x) => x.e);
          await billing.providerEvents.receive(order);
          await Promise.all([billing.providerEvents.handlePending(), billing.providerEvents.handlePending()]);
        }
        step();
      }
      await sweep();
      assert.equal(await balance(orgId), 5_000 - refunded, `actions ${JSON.stringify(actions)}`);
      const removed = await cardlane.db.get<{ n: number | string }>(`SELECT COALESCE(SUM(amount_minor), 0) AS n FROM billing_refunds WHERE attempt_id = ? AND status = 'succeeded'`, [purchase.id]);
      assert.equal(Number(removed!.n), refunded, 'each refund recorded once');
    }),
    { numRuns: 8 },
  );
  await auditOk();
});
