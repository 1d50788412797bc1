import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { evaluatePostAuthorization, evaluatePreAuthorization } from '../../src/acquirer/risk/evaluate.ts';
import { ALLOWABLE_KINDS, APPLIES_TO, CARD_FUNDINGS, RULE_PURPOSES, type NewRiskRule, type RiskCondition } from '../../src/acquirer/risk/rule-types.ts';
import { DECIDERS } from '../../src/doctor/catalogue.ts';
import { mitBlockingRules } from '../../src/doctor/mit-blockers.ts';
import { amountToKeepOnCard, decideSeedRemedy, SEED_REMEDY_REFUSALS, type SeedRemedyFacts } from '../../src/doctor/seed-remedy.ts';
import type { CheckResult } from '../../src/network/messages.ts';
import type { Tx } from '../../src/platform/db/database.ts';
import { riskFixture, type RiskFixture } from '../acquirer/risk-support.ts';

// The seed's remedy is recommended only when the trace shows it will work.

const SEED: SeedRemedyFacts = {
  decidedBy: 'acquirer_rule',
  attempt: { initiator: 'customer', purpose: 'purchase' },
  rule: { appliesTo: 'customer_initiated', purpose: 'purchase' },
  mitBlockers: [],
  issuer: { kind: 'accepts', evidence: 'verified_at_merchant' },
};

test("the seed's situation is recommended; each missing condition has its own refusal", () => {
  assert.deepEqual(decideSeedRemedy(SEED), { recommended: true });
  const cases: Array<[Partial<SeedRemedyFacts>, string]> = [
    [{ decidedBy: 'issuer' }, 'not_a_merchant_rule'],
    [{ decidedBy: 'acquirer' }, 'not_a_merchant_rule'],
    [{ rule: null }, 'not_a_merchant_rule'],
    [{ rule: { appliesTo: 'all', purpose: 'purchase' } }, 'rule_covers_merchant_initiated'],
    [{ rule: { appliesTo: 'merchant_initiated', purpose: 'purchase' } }, 'rule_covers_merchant_initiated'],
    [{ attempt: { initiator: 'merchant', purpose: 'purchase' } }, 'not_customer_initiated'],
    [{ rule: { appliesTo: 'customer_initiated', purpose: 'all' } }, 'rule_blocks_saving_the_card'],
    [{ mitBlockers: ['rr_OTHER00000'] }, 'other_rule_blocks_merchant_initiated'],
    [{ issuer: { kind: 'declines', reason: 'card_frozen' } }, 'issuer_would_decline'],
    [{ issuer: { kind: 'unknown' } }, 'issuer_acceptance_unknown'],
  ];
  for (const [change, because] of cases) assert.deepEqual(decideSeedRemedy({ ...SEED, ...change }), { recommended: false, because }, because);
  assert.equal(new Set(cases.map(([, because]) => because)).size, SEED_REMEDY_REFUSALS.length);
});

test('property: recommended exactly when a customer-initiated-only purchase rule declined and nothing else would refuse the merchant', () => {
  const facts = fc.record({
    decidedBy: fc.constantFrom(...DECIDERS, null),
    attempt: fc.record({ initiator: fc.constantFrom('customer' as const, 'merchant' as const), purpose: fc.constantFrom('purchase' as const, 'account_verification' as const) }),
    rule: fc.option(fc.record({ appliesTo: fc.constantFrom(...APPLIES_TO), purpose: fc.constantFrom(...RULE_PURPOSES) }), { nil: null }),
    mitBlockers: fc.array(fc.constantFrom('rr_A', 'rr_B'), { maxLength: 2 }),
    issuer: fc.oneof(
      fc.constant({ kind: 'accepts' as const, evidence: 'verified_at_merchant' as const }),
      fc.constant({ kind: 'declines' as const, reason: 'card_frozen' }),
      fc.constant({ kind: 'unknown' as const }),
    ),
  });
  fc.assert(
    fc.property(facts, (f) => {
      const works =
        f.decidedBy === 'acquirer_rule' &&
        f.rule !== null &&
        f.rule.appliesTo === 'customer_initiated' &&
        f.rule.purpose === 'purchase' &&
        f.attempt.initiator === 'customer' &&
        f.mitBlockers.length === 0 &&
        f.issuer.kind === 'accepts';
      const decision = decideSeedRemedy(f);
      assert.equal(decision.recommended, works);
      // Making anything worse never turns a refusal into a recommendation.
      if (!works) assert.equal(decideSeedRemedy({ ...f, mitBlockers: [...f.mitBlockers, 'rr_C'] }).recommended, false);
    }),
    { numRuns: 500 },
  );
});

test("what to keep on the card: the recharge minimum plus the verification hold (the seed's $10 + $5)", () => {
  assert.equal(amountToKeepOnCard({ rechargeMinimumMinor: 1000, attemptAmountMinor: 2000, verificationHoldMinor: 500 }), 1500);
  assert.equal(amountToKeepOnCard({ rechargeMinimumMinor: null, attemptAmountMinor: 2000, verificationHoldMinor: 500 }), 2500);
  assert.equal(amountToKeepOnCard({ rechargeMinimumMinor: null, attemptAmountMinor: 2000, verificationHoldMinor: 0 }), 2000);
});

// The doctor's reading of a merchant's rules for a merchant-initiated charge must agree with the evaluator itself.
let r: RiskFixture;
before(async () => {
  r = await riskFixture();
});
after(async () => {
  await r.cleanup();
});

class Rollback {
  constructor(readonly blocked: boolean) {}
}

/** Runs the real evaluator (before and after the issuer) on a merchant-initiated purchase, in a transaction that is rolled back. */
async function evaluatorBlocks(merchantId: string, card: { country: string | null; funding: (typeof CARD_FUNDINGS)[number]; fingerprint: string }, checks: { line1: CheckResult; postal: CheckResult }, amountMinor: number): Promise<boolean> {
  try {
    await r.db.transaction(async (tx: Tx) => {
      const input = r.input(merchantId, {
        initiator: 'merchant',
        purpose: 'purchase',
        amount: { minor: amountMinor, currency: 'USD' },
        card: { country: card.country ?? 'ZZ', funding: card.funding, fingerprint: card.fingerprint },
      });
      const pre = await evaluatePreAuthorization(tx, input);
      if (pre.action === 'block') throw new Rollback(true);
      const post = await evaluatePostAuthorization(tx, { ...input, avs: { line1: checks.line1, postalCode: checks.postal }, cvc: 'unchecked' });
      throw new Rollback(post.action === 'block');
    });
  } catch (error) {
    if (error instanceof Rollback) return error.blocked;
    throw error;
  }
  assert.fail('unreachable');
}

const FINGERPRINTS = ['fpAAAAAAAAAAAAAA', 'fpBBBBBBBBBBBBBB'];
const condition: fc.Arbitrary<RiskCondition> = fc.oneof(
  fc.record({ kind: fc.constant('card_country' as const), in: fc.uniqueArray(fc.constantFrom('US', 'CN', 'GB'), { minLength: 1 }) }),
  fc.record({ kind: fc.constant('card_country' as const), not_in: fc.uniqueArray(fc.constantFrom('US', 'CN', 'GB'), { minLength: 1 }) }),
  fc.record({ kind: fc.constant('card_funding' as const), in: fc.uniqueArray(fc.constantFrom(...CARD_FUNDINGS), { minLength: 1 }) }),
  fc.record({ kind: fc.constant('amount' as const), currency: fc.constantFrom('usd', 'eur'), above_minor: fc.constantFrom(0, 999, 1000, 5000) }),
  fc.record({ kind: fc.constant('card_fingerprint' as const), in: fc.uniqueArray(fc.constantFrom(...FINGERPRINTS), { minLength: 1 }) }),
  fc.record({ kind: fc.constant('velocity' as const), per: fc.constantFrom('card_fingerprint' as const, 'customer' as const), max_attempts: fc.constantFrom(1, 3), window_seconds: fc.constant(3600) }),
  fc.record({ kind: fc.constant('avs' as const), block_if_line1_fails: fc.boolean(), block_if_postal_code_fails: fc.constant(true) }),
  fc.record({ kind: fc.constant('cvc' as const), block_if_fails: fc.constant(true as const) }),
);
const newRule: fc.Arbitrary<NewRiskRule> = fc
  .record({ action: fc.constantFrom('block' as const, 'allow' as const), condition, appliesTo: fc.constantFrom(...APPLIES_TO), purpose: fc.constantFrom(...RULE_PURPOSES) })
  .map((rule) => (rule.action === 'allow' && !ALLOWABLE_KINDS.has(rule.condition.kind) ? { ...rule, action: 'block' as const } : rule));

test('property: the rules that would block a merchant-initiated charge are exactly those the evaluator blocks with', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(newRule, { maxLength: 4 }),
      fc.record({ country: fc.constantFrom('US', 'CN', 'GB', null), funding: fc.constantFrom(...CARD_FUNDINGS), fingerprint: fc.constantFrom(...FINGERPRINTS) }),
      fc.record({ line1: fc.constantFrom<CheckResult>('pass', 'fail', 'unchecked'), postal: fc.constantFrom<CheckResult>('pass', 'fail', 'unchecked') }),
      fc.constantFrom(500, 1000, 2000),
      async (rules, card, checks, amountMinor) => {
        const merchantId = await r.newMerchant();
        const stored = [];
        for (const rule of rules) stored.push(await r.addRule(merchantId, rule));
        const stripeCheck = (result: CheckResult) => (result === 'unchecked' ? null : result);
        const predicted = mitBlockingRules(stored, { ...card, checks: { address_line1_check: stripeCheck(checks.line1), address_postal_code_check: stripeCheck(checks.postal) } }, { amountMinor, currency: 'USD' });
        assert.equal(predicted.length > 0, await evaluatorBlocks(merchantId, card, checks, amountMinor), JSON.stringify({ rules, card, checks, amountMinor, predicted }));
      },
    ),
    { numRuns: 60 },
  );
});
