import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import Stripe from 'stripe';
import { recordEvents } from '../../src/acquirer/events/events.ts';
import { REFUND_READ_COLUMNS, refundObject } from '../../src/acquirer/payments/refund-objects.ts';
import type { Cardlane } from '../../src/app/start.ts';
import { creditBalance } from '../../src/billing/billing-ledger.ts';
import type { BillingServices } from '../../src/billing/billing-services.ts';
import { findAttempt } from '../../src/billing/payments/payment-attempts.ts';
import { PROVIDER_EVENT_TYPES } from '../../src/billing/provider-events/provider-event-feed.ts';
import { applyProviderRefunds } from '../../src/billing/provider-events/provider-refunds.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { lostRaces } from '../../src/platform/db/retry.ts';
import { IdGenerator } from '../../src/platform/ids.ts';
import { demoMerchantStripe, startInProcessCardlane, type InProcessCardlane } from '../support/in-process-cardlane.ts';
import { orgWithPurchase as purchaseFor, spendCredits, type CreditWorld } from './credit-purchase-fixture.ts';

// A refund can fail after it succeeded (Stripe: status `failed`, a `failure_reason` such as `expired_or_canceled_card`,
// events `refund.failed` and `charge.refund.updated`; the money goes back to the merchant's balance). Billing took the
// refund's credits when it succeeded and never gave them back, so the customer lost both the money and the credits.
// Billing's feed of provider events now asks for `refund.failed` and gives back what such a refund took — the credits as
// credits, the debt it booked cancelled — once, whatever the repeats, the order or the concurrency; a refund that failed
// before billing took anything takes nothing and gives nothing.

const clock = new ManualClock(Date.UTC(2026, 4, 1));
const eventIds = new IdGenerator(clock);
let cardlane: Cardlane;
let billing: BillingServices;
let merchant: Stripe;
let tokenizer: Stripe;

let running: InProcessCardlane;

before(async () => {
  running = await startInProcessCardlane('refund-failed', clock);
  cardlane = running.cardlane;
  billing = cardlane.billing.services;
  ({ merchant, tokenizer } = demoMerchantStripe(cardlane));
});
after(() => running?.close());

const balance = async (orgId: string) => (await creditBalance(cardlane.db, orgId))!.available_minor;
const sweep = () => cardlane.runTask('billing.provider-events');
const step = () => clock.advanceMs(1_000);

const world = (): CreditWorld => ({ cardlane, tokenizer, clock });
const orgWithPurchase = (amountMinor: number) => purchaseFor(world(), 'Refund-failed API customer', amountMinor);
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

/**
 * The card's bank sends a refund back after it succeeded, as Stripe reports it: the refund turns `failed` with a
 * `failure_reason`, its amount is refundable again on the charge, and the provider records `refund.updated`,
 * `refund.failed` and `charge.refund.updated`. Cardlane's acquirer fails refunds only while they are pending (its issuer
 * answers at once), so the test makes its refund fail here, in the acquirer's own tables and events.
 */
async function failAtProvider(refundId: string, reason = 'expired_or_canceled_card'): Promise<void> {
  await cardlane.db.transaction(async (tx) => {
    const row = await tx.get<any>(`SELECT ${REFUND_READ_COLUMNS} FROM acquirer_refunds WHERE id = ?`, [refundId]);
    assert.ok(row, `refund ${refundId} at the acquirer`);
    const previous = row.status;
    assert.ok(previous === 'succeeded' || previous === 'pending', `refund ${refundId} is ${previous}`);
    await tx.run(`UPDATE acquirer_refunds SET status = 'failed', failure_reason = ? WHERE id = ?`, [reason, refundId]);
    await tx.run('UPDATE acquirer_charges SET amount_refunded_minor = amount_refunded_minor - ? WHERE id = ?', [Number(row.amount_minor), row.charge_id]);
    const object = refundObject(await tx.get(`SELECT ${REFUND_READ_COLUMNS} FROM acquirer_refunds WHERE id = ?`, [refundId]));
    await recordEvents(tx, { ids: eventIds, nowMs: clock.nowMs() }, [
      { merchantId: row.merchant_id, type: 'refund.updated', object, previousAttributes: { status: previous } },
      { merchantId: row.merchant_id, type: 'charge.refund.updated', object, previousAttributes: { status: previous } },
      { merchantId: row.merchant_id, type: 'refund.failed', object },
    ]);
  });
}

/** Every event billing acts on that the provider has, as the list gives them. */
async function providerEvents(): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for await (const event of merchant.events.list({ types: [...PROVIDER_EVENT_TYPES], limit: 100 })) events.push(event);
  return events;
}

async function refundRows(attemptId: string): Promise<Array<{ status: string; source: string; amount: number }>> {
  const rows = await cardlane.db.all<any>('SELECT status, source, amount_minor FROM billing_refunds WHERE attempt_id = ? ORDER BY created_at_ms, id', [attemptId]);
  return rows.map((row) => ({ status: row.status, source: row.source, amount: Number(row.amount_minor) }));
}

test('a refund made at the provider that succeeded and then failed gives its credits back, once, and the history says why', async () => {
  const { orgId, apiKey, purchase } = await orgWithPurchase(2_000);
  await spend(orgId, 1_700, 'spent-before-refund');
  assert.equal(await balance(orgId), 300);
  const refund = await merchant.refunds.create({ payment_intent: purchase.providerIntentId!, amount: 1_000, reason: 'requested_by_customer' });
  assert.equal(refund.status, 'succeeded');
  step();
  await sweep();
  assert.equal(await balance(orgId), -700, '$3.00 of credits removed, $7.00 owed');

  await failAtProvider(refund.id);
  step();
  await sweep();
  assert.equal(await balance(orgId), 300, 'back to the balance before the refund: the debt cancelled, the credits given back');
  // Read again, the cursor and the inbox forgotten (a crash after the effects, before the event was marked): still once.
  await cardlane.db.run('DELETE FROM billing_provider_event_cursor');
  await cardlane.db.run('DELETE FROM billing_provider_events');
  await Promise.all([sweep(), sweep()]);
  assert.equal(await balance(orgId), 300, 'given back once');

  const payment = await api(apiKey, `/payments/${purchase.id}`);
  assert.equal(payment.refunded.amount_minor, 0, "the payment's refunded amount no longer counts it");
  assert.equal((await api(apiKey, '/invoices')).data[0].status, 'paid');
  assert.deepEqual(await refundRows(purchase.id), [{ status: 'failed', source: 'provider', amount: 1_000 }]);

  const adjustments = (await api(apiKey, '/credit_adjustments')).data;
  assert.deepEqual(adjustments.map((a: any) => a.kind), ['provider_refund_failed', 'provider_refund']);
  const failed = adjustments[0];
  assert.equal(failed.provider_object, refund.id);
  assert.equal(failed.amount.amount_minor, 1_000);
  assert.equal(failed.credits_restored.amount_minor, 1_000);
  assert.equal(failed.debt_cancelled.amount_minor, 700);
  assert.equal(failed.reason, 'expired_or_canceled_card');
  assert.match(failed.description.en, /failed at the payment provider \(expired_or_canceled_card\).*were given back\. \$7\.00 of it cancelled the debt/);
  assert.match(failed.description['zh-CN'], /在支付服务商处失败（expired_or_canceled_card）：款项仍在商户处.*已退回。其中 \$7\.00 用于取消该退款造成的欠款/);

  // The $10.00 can be refunded again, in billing now, and is taken again (from the $3.00 left, the rest as debt).
  const again = await billing.refunds.refund(purchase.id, { amountMinor: 1_000 });
  assert.equal(again.status, 'succeeded');
  assert.equal(await balance(orgId), -700);
  await auditOk();
});

test("billing's own refund that failed after it succeeded gives its credits back, and the payment can be refunded again", async () => {
  const { orgId, apiKey, purchase } = await orgWithPurchase(3_000);
  const own = await billing.refunds.refund(purchase.id, { amountMinor: 1_200 });
  assert.equal(own.status, 'succeeded');
  assert.equal(await balance(orgId), 1_800);
  step();
  await sweep();
  assert.equal(await balance(orgId), 1_800, 'taken once, by billing');

  await failAtProvider(own.providerRefundId!, 'lost_or_stolen_card');
  step();
  await sweep();
  assert.equal(await balance(orgId), 3_000, 'the $12.00 came back');
  assert.deepEqual(await refundRows(purchase.id), [{ status: 'failed', source: 'billing', amount: 1_200 }]);
  assert.equal((await findAttempt(cardlane.db, purchase.id))!.refundedMinor, 0);
  const [adjustment] = (await api(apiKey, '/credit_adjustments')).data;
  assert.equal(adjustment.kind, 'provider_refund_failed');
  assert.deepEqual([adjustment.credits_restored.amount_minor, adjustment.debt_cancelled.amount_minor], [1_200, 0]);

  // Every event again, newest first and twice, handled by two runs at once: nothing more.
  await cardlane.db.run('DELETE FROM billing_provider_events');
  const events = await providerEvents();
  await billing.providerEvents.receive([...events, ...events]);
  await Promise.all([billing.providerEvents.handlePending(), billing.providerEvents.handlePending()]);
  assert.equal(await balance(orgId), 3_000);
  // Refundable again in billing: the whole payment (the test bank still counts the failed $12.00 as returned, so it
  // accepts the other $18.00 only; a refund it refuses takes nothing).
  assert.equal((await findAttempt(cardlane.db, purchase.id))!.refundedMinor, 0);
  const again = await billing.refunds.refund(purchase.id, { amountMinor: 1_800 });
  assert.equal(again.status, 'succeeded', JSON.stringify(again));
  assert.equal(await balance(orgId), 1_200);
  await auditOk();
});

test('a refund that failed before billing took its credits takes nothing and gives nothing, even when its success is delivered after', async () => {
  const { orgId, apiKey, purchase } = await orgWithPurchase(1_500);
  const refund = await merchant.refunds.create({ payment_intent: purchase.providerIntentId!, amount: 500 });
  // It fails before billing's first run: billing only ever sees it failed.
  await failAtProvider(refund.id);
  step();
  await sweep();
  assert.equal(await balance(orgId), 1_500);
  // The events of its success delivered again, after its failure (out of order), twice: still nothing.
  await cardlane.db.run('DELETE FROM billing_provider_events');
  const events = (await providerEvents()).filter((e) => ['charge.refunded', 'refund.updated', 'charge.refund.updated'].includes(e.type));
  await billing.providerEvents.receive([...events].reverse());
  await Promise.all([billing.providerEvents.handlePending(), billing.providerEvents.handlePending(), sweep()]);
  assert.equal(await balance(orgId), 1_500);
  // A run that read the provider before the failure (its list still says `succeeded`) and commits after: nothing taken.
  assert.equal(refund.status, 'succeeded');
  const stale = await cardlane.db.transaction((tx) => applyProviderRefunds(tx, billing.deps, purchase, [refund], 'evt_read_before_the_failure'));
  assert.deepEqual(stale, []);
  assert.equal(await balance(orgId), 1_500);
  assert.deepEqual((await api(apiKey, '/credit_adjustments')).data, []);
  assert.deepEqual(await refundRows(purchase.id), [{ status: 'failed', source: 'provider', amount: 500 }], 'known as failed, taking nothing');
  assert.equal((await findAttempt(cardlane.db, purchase.id))!.refundedMinor, 0);
  assert.equal((await api(apiKey, '/invoices')).data[0].status, 'paid');
  await auditOk();
});

test("billing's own refund whose answer was lost and that then failed is failed by the feed: nothing taken, nothing given", async () => {
  const { orgId, purchase } = await orgWithPurchase(2_000);
  // As if billing had reserved a refund and its answer had been lost: the provider made it (naming it), billing still waits.
  const id = 'bre_lostanswer' + purchase.id.slice(-8);
  await cardlane.db.transaction(async (tx) => {
    await tx.run(`INSERT INTO billing_refunds (id, org_id, attempt_id, amount_minor, currency, status, created_at_ms) VALUES (?, ?, ?, 800, 'USD', 'processing', ?)`, [id, orgId, purchase.id, clock.nowMs()]);
    await tx.run('UPDATE billing_payment_attempts SET refunded_minor = refunded_minor + 800 WHERE id = ?', [purchase.id]);
  });
  const made = await merchant.refunds.create({ payment_intent: purchase.providerIntentId!, amount: 800, metadata: { cardlane_billing_refund: id } });
  await failAtProvider(made.id);
  step();
  await sweep();
  assert.deepEqual(await refundRows(purchase.id), [{ status: 'failed', source: 'billing', amount: 800 }]);
  assert.equal((await findAttempt(cardlane.db, purchase.id))!.refundedMinor, 0, 'its reservation freed');
  // Billing's own path, finishing it later, finds it finished.
  clock.advanceMs(120_000);
  await cardlane.runTask('billing.resume-stuck-payments');
  assert.equal(await balance(orgId), 2_000);
  await auditOk();
});

test('property: any order, repeat and concurrency of refunds succeeding and failing leaves exactly the net refunds taken', async () => {
  const PAID = 5_000;
  const action = fc.oneof(
    fc.record({ kind: fc.constant('provider' as const), amount: fc.integer({ min: 1, max: 2_500 }) }),
    fc.record({ kind: fc.constant('billing' as const), amount: fc.integer({ min: 1, max: 2_500 }) }),
    fc.record({ kind: fc.constant('fail' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('spend' as const), amount: fc.integer({ min: 1, max: 3_000 }) }),
    fc.record({ kind: fc.constant('sweep' as const), concurrent: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ kind: fc.constant('redeliver' as const), seed: fc.integer(), twice: fc.boolean() }),
  );
  let run = 0;
  const deadlocksBefore = lostRaces.deadlock;
  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 9 }), async (actions) => {
      run += 1;
      const { orgId, purchase } = await orgWithPurchase(PAID);
      /** Refunds the provider made, and whether they have failed since. */
      const made: Array<{ id: string; amount: number; failed: boolean }> = [];
      let spent = 0;
      const net = () => made.filter((r) => !r.failed).reduce((sum, r) => sum + r.amount, 0);
      const takenByBilling = async () =>
        Number((await cardlane.db.get<{ n: number | string }>(`SELECT COALESCE(SUM(amount_minor), 0) AS n FROM billing_refunds WHERE attempt_id = ? AND status = 'succeeded'`, [purchase.id]))!.n);
      for (const [i, a] of actions.entries()) {
        const left = PAID - net();
        if (a.kind === 'provider' && left > 0) {
          const refund = await merchant.refunds.create({ payment_intent: purchase.providerIntentId!, amount: Math.min(a.amount, left) });
          if (refund.status === 'succeeded') made.push({ id: refund.id, amount: refund.amount, failed: false });
        } else if (a.kind === 'billing') {
          const attempt = (await findAttempt(cardlane.db, purchase.id))!;
          const amount = Math.min(a.amount, left, attempt.amountMinor - attempt.refundedMinor);
          if (amount <= 0) continue;
          const refund = await billing.refunds.refund(purchase.id, { amountMinor: amount });
          if (refund.status === 'succeeded') made.push({ id: refund.providerRefundId!, amount, failed: false });
        } else if (a.kind === 'fail') {
          const standing = made.filter((r) => !r.failed);
          if (standing.length === 0) continue;
          const chosen = standing[a.pick % standing.length]!;
          await failAtProvider(chosen.id);
          chosen.failed = true;
        } else if (a.kind === 'spend') {
          const available = await balance(orgId);
          if (available <= 0) continue;
          const amount = Math.min(a.amount, available);
          await spend(orgId, amount, `prop-${run}-${i}`);
          spent += amount;
        } else if (a.kind === 'sweep') {
          await Promise.all(Array.from({ length: a.concurrent }, () => sweep()));
        } else if (a.kind === 'redeliver') {
          // Every event again — successes after failures too — shuffled, maybe twice, into an inbox that forgot them, by two runs at once.
          await cardlane.db.run('DELETE FROM billing_provider_events');
          const events = await providerEvents();
          const order = events.map((e, k) => ({ e, key: (Math.imul(k + 1, a.seed | 1) >>> 0) % 9973 })).sort((x, y) => x.key - y.key).map((x) => x.e);
          await billing.providerEvents.receive(a.twice ? [...order, ...order.reverse()] : order);
          await Promise.all([billing.providerEvents.handlePending(), billing.providerEvents.handlePending()]);
        }
        step();
        // At every point billing's books agree with themselves: the balance is what was paid, less what was spent and
        // what billing holds as refunded — never more than was paid for, never a refund the provider did not make.
        const taken = await takenByBilling();
        assert.equal(await balance(orgId), PAID - spent - taken, `after ${JSON.stringify(actions.slice(0, i + 1))}`);
        assert.ok(taken <= made.reduce((sum, r) => sum + r.amount, 0));
      }
      await sweep();
      const context = `actions ${JSON.stringify(actions)}`;
      assert.equal(await takenByBilling(), net(), `each standing refund taken once, each failed one given back: ${context}`);
      assert.equal(await balance(orgId), PAID - spent - net(), context);
      assert.equal((await findAttempt(cardlane.db, purchase.id))!.refundedMinor, net(), context);
      const givenBack = await cardlane.db.all<{ provider_object_id: string }>(`SELECT provider_object_id FROM billing_credit_adjustments WHERE attempt_id = ? AND kind = 'provider_refund_failed'`, [purchase.id]);
      assert.equal(new Set(givenBack.map((g) => g.provider_object_id)).size, givenBack.length, 'at most one give-back a refund');
      assert.ok(givenBack.every((g) => made.some((r) => r.id === g.provider_object_id && r.failed)), context);
    }),
    { numRuns: 10 },
  );
  // The feed, billing's own refunds and the grants take the payment, then its refunds, then the credit lots: never a deadlock.
  assert.equal(lostRaces.deadlock, deadlocksBefore);
  await auditOk();
});
