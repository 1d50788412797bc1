import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { CreditRefunds } from '../../src/billing/payments/credit-refunds.ts';
import type { ChargeRunner } from '../../src/billing/payments/charge-runner.ts';
import { insertAttempt, type PaymentAttempt } from '../../src/billing/payments/payment-attempts.ts';
import type { PaymentMethods } from '../../src/billing/payments/payment-methods.ts';
import { resumeStuckPayments, STUCK_AFTER_MS } from '../../src/billing/payments/payment-sweep.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

/**
 * The stuck-payment sweep finishes payments whose answer was lost (a
 * purchase charged but not credited, an auto-recharge whose in-flight mark
 * stops every later recharge). Card verifications waiting for the customer's
 * 3-D Secure challenge are `processing` too, for up to 30 minutes each, and
 * any organization can open as many as it has cards to tokenize. They must
 * not fill the sweep's batch and keep another organization's lost payment
 * waiting: before, 50 open challenges anywhere held every stuck payment back
 * until they were given up.
 */

let f: BillingFixture;
beforeEach(async () => {
  f = await billingFixture();
});
afterEach(async () => {
  await f.cleanup();
});

function attempt(orgId: string, kind: PaymentAttempt['kind'], createdAtMs: number) {
  return {
    id: f.deps.ids.next('bpa'),
    orgId,
    kind,
    amountMinor: kind === 'verification' ? 0 : 1_000,
    currency: 'USD',
    paymentMethodId: `pm_${f.deps.ids.next('x').replace(/[^A-Za-z0-9]/g, '')}`,
    initiator: kind === 'purchase' ? ('customer' as const) : ('merchant' as const),
    createdAtMs,
  };
}

test("open 3-D Secure challenges, however many, never keep another organization's lost payment from the sweep", async () => {
  const attacker = await f.newOrg('Many challenges');
  const victim = await f.newOrg('Lost answer');
  const nowMs = f.clock.nowMs();
  // 120 verifications waiting for their challenge, all older than the victim's stuck recharge.
  const challenges = await f.db.transaction(async (tx) => {
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push((await insertAttempt(tx, attempt(attacker.orgId, 'verification', nowMs - 20 * 60_000 + i))).id);
    return ids;
  });
  const stuck = await f.db.transaction((tx) => insertAttempt(tx, attempt(victim.orgId, 'auto_recharge', nowMs - 2 * STUCK_AFTER_MS)));

  const charged: string[] = [];
  const verified: string[] = [];
  const parts = {
    runner: { run: async (id: string) => void charged.push(id) } as unknown as ChargeRunner,
    paymentMethods: { verify: async (a: PaymentAttempt) => void verified.push(a.id) } as unknown as PaymentMethods,
    refunds: { send: async () => undefined } as unknown as CreditRefunds,
  };
  await resumeStuckPayments({ db: f.db, clock: f.clock }, parts);

  assert.deepEqual(charged, [stuck.id], 'the stuck recharge was not re-sent');
  // Challenges are still looked at, oldest first, in a batch of their own.
  assert.ok(verified.length > 0);
  assert.deepEqual(verified, challenges.slice(0, verified.length));
});
