import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import fc from 'fast-check';
import { creditBalance, grantCredits, orgCreditsAccount, orgDebtAccount, removeCredits } from '../../src/billing/billing-ledger.ts';
import { recordUsage } from '../../src/billing/metering.ts';
import { lookupAccounts } from '../../src/ledger/reads.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

// The credit book as a property, on the real ledger and database: any
// sequence of grants (purchases), usage debits and refunds (credits taken
// back, the rest owed as debt) keeps the organization's credit account at or
// above zero, shows balance = grants − usage − refunds, and refuses usage
// whenever the balance is not positive — so no debt can be spent past.

let f: BillingFixture;
beforeEach(async () => {
  f = await billingFixture();
});
afterEach(async () => {
  await f.assertAudit();
  await f.cleanup();
});

type Step =
  | { readonly kind: 'grant'; readonly cents: number }
  | { readonly kind: 'usage'; readonly cents: number }
  /** A refund of `share` (0–1] of what is still refundable (nothing is refunded past what was bought). */
  | { readonly kind: 'refund'; readonly share: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('grant' as const), cents: fc.integer({ min: 1, max: 3_000 }) }),
  fc.record({ kind: fc.constant('usage' as const), cents: fc.integer({ min: 1, max: 2_000 }) }),
  fc.record({ kind: fc.constant('refund' as const), share: fc.double({ min: 0.01, max: 1, noNaN: true }) }),
);

// cardlane-echo-1 costs $2 per 1M input tokens: 5,000 tokens are exactly one cent.
const TOKENS_PER_CENT = 5_000;

test('credits never go below zero; balance = grants − usage − refunds; usage is refused whenever the balance is not positive', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
      run++;
      const { orgId } = await f.newOrg(`Property org ${run}`);
      let granted = 0;
      let used = 0;
      let refunded = 0;
      for (const [i, s] of steps.entries()) {
        const before = (await creditBalance(f.db, orgId))!.available_minor;
        if (s.kind === 'grant') {
          const outcome = await grantCredits(f.db, f.deps, { orgId, amountMinor: s.cents, reason: 'purchase', transferId: `prop:${run}:${i}` });
          assert.equal(outcome.result, 'ok');
          granted += s.cents;
        } else if (s.kind === 'usage') {
          const outcome = await recordUsage(f.db, f.deps, { orgId, usageEventId: `prop-${run}-${i}`, model: 'cardlane-echo-1', inputTokens: s.cents * TOKENS_PER_CENT, outputTokens: 0 });
          if (before <= 0) assert.equal(outcome.result, 'insufficient_quota', `usage at a balance of ${before}`);
          if (outcome.result === 'recorded') used += s.cents;
          else assert.equal(outcome.result, 'insufficient_quota');
          // The ledger takes a debit only when the credits cover all of it: no overspend, not even by a cent.
          assert.equal(outcome.result === 'recorded', before >= s.cents, `usage of ${s.cents} at a balance of ${before}`);
        } else {
          const refundable = granted - refunded;
          if (refundable === 0) continue;
          const amount = Math.max(1, Math.floor(refundable * s.share));
          await f.db.transaction((tx) => removeCredits(tx, f.deps, { orgId, amountMinor: amount, reason: 'refund', transferId: `prop:${run}:${i}:refund` }));
          refunded += amount;
        }
        const [credits, debt] = await lookupAccounts(f.db, [orgCreditsAccount(orgId), orgDebtAccount(orgId)]);
        const held = credits!.credits_posted - credits!.debits_posted - credits!.debits_pending;
        assert.ok(held >= 0, `the credit account went to ${held}`);
        const owed = debt ? debt.debits_posted - debt.credits_posted : 0;
        assert.ok(owed === 0 || held === 0, `credits ${held} left spendable while ${owed} is owed`);
        assert.equal((await creditBalance(f.db, orgId))!.available_minor, granted - used - refunded);
      }
    }),
    { numRuns: 40, endOnFailure: true },
  );
});
