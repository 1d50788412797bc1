import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { evaluatePostAuthorization, type PostAuthorizationInput } from '../../src/acquirer/risk/evaluate.ts';
import { isHighestRiskCard } from '../../src/acquirer/risk/highest-risk.ts';
import { BLOCK_PREPAID_ON_CUSTOMER_INITIATED } from '../../src/acquirer/risk/presets.ts';
import { listRiskAttempts } from '../../src/acquirer/risk/risk-attempts.ts';
import { deleteRiskRule, updateRiskRule } from '../../src/acquirer/risk/risk-rules.ts';
import type { NewRiskRule } from '../../src/acquirer/risk/rule-types.ts';
import type { CheckResult } from '../../src/network/messages.ts';
import { outcomeOf, riskFixture, type InputOverrides, type RiskFixture } from './risk-support.ts';

let f: RiskFixture;
before(async () => {
  f = await riskFixture();
});
after(async () => f.cleanup());

const CIT = { initiator: 'customer' } as const;
const MIT = { initiator: 'merchant' } as const;

interface Row {
  readonly name: string;
  readonly rule: NewRiskRule;
  readonly input: InputOverrides;
  /** `allow` or `reason/declineCode`. */
  readonly expect: string;
}

const country: NewRiskRule = { condition: { kind: 'card_country', in: ['CN', 'RU'] } };
const notUsOnMit: NewRiskRule = { condition: { kind: 'card_country', not_in: ['US'] }, appliesTo: 'merchant_initiated' };
const prepaidOnCit: NewRiskRule = { condition: { kind: 'card_funding', in: ['prepaid'] }, appliesTo: 'customer_initiated' };
const amountUsd: NewRiskRule = { condition: { kind: 'amount', currency: 'usd', above_minor: 50_000 } };
const blocklist: NewRiskRule = { condition: { kind: 'card_fingerprint', in: ['fpBLOCKEDbbbbbbb', 'fpOTHERcccccccc'] }, appliesTo: 'merchant_initiated' };
const velocityOne: NewRiskRule = { condition: { kind: 'velocity', per: 'card_fingerprint', max_attempts: 1, window_seconds: 60 } };
const perCustomerOnCit: NewRiskRule = { condition: { kind: 'velocity', per: 'customer', max_attempts: 1, window_seconds: 60 }, appliesTo: 'customer_initiated' };
const verificationsOnly: NewRiskRule = { condition: { kind: 'card_funding', in: ['debit'] }, purpose: 'account_verification' };
// Post-authorization kinds never act before the issuer answered.
const cvc: NewRiskRule = { condition: { kind: 'cvc', block_if_fails: true } };

// One row per condition kind × CIT/MIT × matching/not matching.
const ROWS: readonly Row[] = [
  { name: 'country in: CN card, CIT', rule: country, input: { ...CIT, card: { country: 'CN' } }, expect: 'rule_card_country/card_not_supported' },
  { name: 'country in: CN card, MIT', rule: country, input: { ...MIT, card: { country: 'CN' } }, expect: 'rule_card_country/card_not_supported' },
  { name: 'country in: US card, CIT', rule: country, input: { ...CIT, card: { country: 'US' } }, expect: 'allow' },
  { name: 'country in: US card, MIT', rule: country, input: { ...MIT, card: { country: 'US' } }, expect: 'allow' },
  { name: 'country not in US (MIT only): CN card, MIT', rule: notUsOnMit, input: { ...MIT, card: { country: 'CN' } }, expect: 'rule_card_country/card_not_supported' },
  { name: 'country not in US (MIT only): CN card, CIT', rule: notUsOnMit, input: { ...CIT, card: { country: 'CN' } }, expect: 'allow' },
  { name: 'country not in US (MIT only): US card, MIT', rule: notUsOnMit, input: { ...MIT, card: { country: 'US' } }, expect: 'allow' },
  { name: 'country codes compare case-insensitively', rule: country, input: { ...CIT, card: { country: 'cn' } }, expect: 'rule_card_country/card_not_supported' },
  { name: 'funding prepaid (CIT only): prepaid, CIT', rule: prepaidOnCit, input: { ...CIT, card: { funding: 'prepaid' } }, expect: 'rule_card_funding/card_not_supported' },
  { name: 'funding prepaid (CIT only): prepaid, MIT', rule: prepaidOnCit, input: { ...MIT, card: { funding: 'prepaid' } }, expect: 'allow' },
  { name: 'funding prepaid (CIT only): credit, CIT', rule: prepaidOnCit, input: { ...CIT, card: { funding: 'credit' } }, expect: 'allow' },
  { name: 'funding prepaid (CIT only): credit, MIT', rule: prepaidOnCit, input: { ...MIT, card: { funding: 'credit' } }, expect: 'allow' },
  { name: 'amount over $500: $500.01, CIT', rule: amountUsd, input: { ...CIT, amount: { minor: 50_001, currency: 'USD' } }, expect: 'rule_amount/transaction_not_allowed' },
  { name: 'amount over $500: $500.01, MIT', rule: amountUsd, input: { ...MIT, amount: { minor: 50_001, currency: 'usd' } }, expect: 'rule_amount/transaction_not_allowed' },
  { name: 'amount over $500: exactly $500.00, CIT', rule: amountUsd, input: { ...CIT, amount: { minor: 50_000, currency: 'USD' } }, expect: 'allow' },
  { name: 'amount over $500: €999.99 is another currency, MIT', rule: amountUsd, input: { ...MIT, amount: { minor: 99_999, currency: 'EUR' } }, expect: 'allow' },
  { name: 'blocklist (MIT only): listed card, MIT', rule: blocklist, input: { ...MIT, card: { fingerprint: 'fpBLOCKEDbbbbbbb' } }, expect: 'rule_card_fingerprint/merchant_blacklist' },
  { name: 'blocklist (MIT only): listed card, CIT', rule: blocklist, input: { ...CIT, card: { fingerprint: 'fpBLOCKEDbbbbbbb' } }, expect: 'allow' },
  { name: 'blocklist (MIT only): other card, MIT', rule: blocklist, input: { ...MIT }, expect: 'allow' },
  { name: 'velocity 1/min per card: first attempt, CIT', rule: velocityOne, input: { ...CIT }, expect: 'allow' },
  { name: 'velocity 1/min per card: first attempt, MIT', rule: velocityOne, input: { ...MIT }, expect: 'allow' },
  { name: 'per-customer velocity (CIT only): no customer to count', rule: perCustomerOnCit, input: { ...CIT, customerId: null }, expect: 'allow' },
  { name: 'purpose account_verification only: debit verification', rule: verificationsOnly, input: { ...CIT, purpose: 'account_verification', card: { funding: 'debit' } }, expect: 'rule_card_funding/card_not_supported' },
  { name: 'purpose account_verification only: debit purchase', rule: verificationsOnly, input: { ...CIT, purpose: 'purchase', card: { funding: 'debit' } }, expect: 'allow' },
  { name: 'cvc rules do not act before the issuer answered', rule: cvc, input: { ...CIT }, expect: 'allow' },
];

test('pre-authorization: one rule of each kind, CIT and MIT, matching and not', async () => {
  for (const row of ROWS) {
    const merchantId = await f.newMerchant();
    await f.addRule(merchantId, row.rule);
    const decision = await f.pre(f.input(merchantId, row.input));
    assert.equal(outcomeOf(decision), row.expect, row.name);
  }
});

test('velocity rows: a second attempt inside the window is blocked, CIT and MIT alike; per customer counts across cards', async () => {
  for (const initiator of ['customer', 'merchant'] as const) {
    const merchantId = await f.newMerchant();
    await f.addRule(merchantId, velocityOne);
    assert.equal(outcomeOf(await f.pre(f.input(merchantId, { initiator }))), 'allow');
    f.clock.advanceMs(59_999);
    assert.equal(outcomeOf(await f.pre(f.input(merchantId, { initiator }))), 'rule_velocity/card_velocity_exceeded', initiator);
    assert.equal(outcomeOf(await f.pre(f.input(merchantId, { initiator, card: { fingerprint: 'fpANOTHERdddddddd' } }))), 'allow', 'another card has its own count');
  }
  const merchantId = await f.newMerchant();
  await f.addRule(merchantId, perCustomerOnCit);
  assert.equal(outcomeOf(await f.pre(f.input(merchantId, { card: { fingerprint: 'fpCARDONEeeeeeee' } }))), 'allow');
  assert.equal(outcomeOf(await f.pre(f.input(merchantId, { card: { fingerprint: 'fpCARDTWOfffffff' } }))), 'rule_velocity/card_velocity_exceeded');
  assert.equal(outcomeOf(await f.pre(f.input(merchantId, { customerId: 'cus_SOMEONEELSE0001' }))), 'allow');
  assert.equal(outcomeOf(await f.pre(f.input(merchantId, { ...MIT }))), 'allow', 'the rule is CIT only');
});

test("the seed's rule: prepaid blocked when the customer pays, the merchant's auto-recharge and the card check go through", async () => {
  const merchantId = await f.newMerchant();
  const rule = await f.addRule(merchantId, BLOCK_PREPAID_ON_CUSTOMER_INITIATED);
  const prepaid = { card: { funding: 'prepaid', country: 'US', last4: '0005' } } as const;

  const addCard = f.input(merchantId, { ...prepaid, paymentId: 'seti_ADDCARD000001', purpose: 'account_verification', amount: { minor: 500, currency: 'USD' } });
  assert.equal(outcomeOf(await f.pre(addCard)), 'allow', 'binding the card (the $5 verification hold) succeeds, as in the seed');

  const topUp = f.input(merchantId, { ...prepaid, paymentId: 'pi_TOPUPBYHAND0001', amount: { minor: 1_000, currency: 'USD' } });
  const blocked = await f.pre(topUp);
  assert.equal(blocked.action, 'block');
  assert.deepEqual(blocked.action === 'block' ? blocked.block : null, {
    ruleId: rule.id,
    ruleDescription: 'Block prepaid cards on customer-initiated purchases',
    predicate: ":card_funding: = 'prepaid' and :is_off_session: = false and :purpose: = 'purchase'",
    declineCode: 'card_not_supported',
    reason: 'rule_card_funding',
  });
  assert.equal(blocked.evaluated, 1);

  const autoRecharge = f.input(merchantId, { ...prepaid, ...MIT, paymentId: 'pi_AUTORECHARGE001', amount: { minor: 1_000, currency: 'USD' } });
  assert.deepEqual(await f.pre(autoRecharge), { action: 'allow', evaluated: 0 }, 'an off-session charge is out of the rule\'s scope');

  // Every attempt is on record, with the rule that blocked it.
  const [attempt] = await listRiskAttempts(f.db, merchantId, 'pi_TOPUPBYHAND0001');
  assert.deepEqual(
    { outcome: attempt?.outcome, phase: attempt?.phase, ruleId: attempt?.ruleId, reason: attempt?.reason, declineCode: attempt?.declineCode, initiator: attempt?.initiator },
    { outcome: 'blocked', phase: 'pre_authorization', ruleId: rule.id, reason: 'rule_card_funding', declineCode: 'card_not_supported', initiator: 'customer' },
  );
  assert.equal((await listRiskAttempts(f.db, merchantId, 'pi_AUTORECHARGE001'))[0]?.outcome, 'allowed');
});

test('built-in highest risk: Stripe\'s 4100 0000 0000 0019 is blocked as fraudulent, whatever the merchant allows', async () => {
  assert.equal(isHighestRiskCard('4100000000000019'), true);
  assert.equal(isHighestRiskCard('4242424242424242'), false);
  const merchantId = await f.newMerchant();
  await f.addRule(merchantId, { action: 'allow', condition: { kind: 'card_country', in: ['US'] } });
  const decision = await f.pre(f.input(merchantId, { highestRisk: isHighestRiskCard('4100000000000019'), card: { last4: '0019' } }));
  assert.deepEqual(decision, {
    action: 'block',
    block: {
      ruleId: null,
      ruleDescription: "Cardlane's built-in rule: block payments with the highest risk level",
      predicate: ":risk_level: = 'highest'",
      declineCode: 'fraudulent',
      reason: 'highest_risk_level',
    },
    evaluated: 0,
  });
});

test('allow rules come first and skip every block rule, before and after the issuer; blocks report the oldest matching rule', async () => {
  const merchantId = await f.newMerchant();
  const allowUs = await f.addRule(merchantId, { action: 'allow', condition: { kind: 'card_country', in: ['US'] } });
  const funding = await f.addRule(merchantId, { condition: { kind: 'card_funding', in: ['prepaid'] } });
  await f.addRule(merchantId, { condition: { kind: 'card_country', in: ['GB'] } });
  await f.addRule(merchantId, { condition: { kind: 'cvc', block_if_fails: true } });

  const usPrepaid = await f.pre(f.input(merchantId, { card: { funding: 'prepaid', country: 'US' } }));
  assert.deepEqual(usPrepaid, { action: 'allow', evaluated: 1, allowedByRuleId: allowUs.id });

  const gbPrepaid = await f.pre(f.input(merchantId, { card: { funding: 'prepaid', country: 'GB' } }));
  assert.equal(gbPrepaid.action === 'block' && gbPrepaid.block.ruleId, funding.id, 'both block rules match; the older one is reported');
  assert.equal(gbPrepaid.evaluated, 2, 'the allow rule, then the first block rule that matched');

  const usCvcFails = await evaluatePostAuthorization(f.db, { ...f.input(merchantId), avs: { line1: 'pass', postalCode: 'pass' }, cvc: 'fail' });
  assert.equal(usCvcFails.action, 'allow', 'an allowed payment is not blocked after the issuer either');
  const gbCvcFails = await evaluatePostAuthorization(f.db, { ...f.input(merchantId, { card: { country: 'GB' } }), avs: { line1: 'pass', postalCode: 'pass' }, cvc: 'fail' });
  assert.equal(outcomeOf(gbCvcFails), 'rule_cvc/incorrect_cvc');
});

test('disabled and deleted rules are not evaluated; a change is seen by the very next payment', async () => {
  const merchantId = await f.newMerchant();
  const rule = await f.addRule(merchantId, { condition: { kind: 'card_funding', in: ['credit'] } });
  assert.equal(outcomeOf(await f.pre(f.input(merchantId))), 'rule_card_funding/card_not_supported');
  await f.db.transaction((tx) => updateRiskRule(tx, f.clock.nowMs(), merchantId, rule.id, { enabled: false }));
  assert.deepEqual(await f.pre(f.input(merchantId)), { action: 'allow', evaluated: 0 });
  await f.db.transaction((tx) => updateRiskRule(tx, f.clock.nowMs(), merchantId, rule.id, { enabled: true }));
  assert.equal(outcomeOf(await f.pre(f.input(merchantId))), 'rule_card_funding/card_not_supported');
  await f.db.transaction((tx) => deleteRiskRule(tx, f.clock.nowMs(), merchantId, rule.id));
  assert.deepEqual(await f.pre(f.input(merchantId)), { action: 'allow', evaluated: 0 });
  // Rules are the merchant's own: another merchant's rule never applies.
  const other = await f.newMerchant();
  await f.addRule(other, { condition: { kind: 'card_funding', in: ['credit'] } });
  assert.deepEqual(await f.pre(f.input(merchantId)), { action: 'allow', evaluated: 0 });
});

interface PostRow {
  readonly name: string;
  readonly rule: NewRiskRule;
  readonly line1: CheckResult;
  readonly postalCode: CheckResult;
  readonly cvc: CheckResult;
  readonly initiator?: 'customer' | 'merchant';
  readonly expect: string;
}

const postalOnly: NewRiskRule = { condition: { kind: 'avs', block_if_line1_fails: false, block_if_postal_code_fails: true } };
const line1Only: NewRiskRule = { condition: { kind: 'avs', block_if_line1_fails: true, block_if_postal_code_fails: false } };
const bothAvs: NewRiskRule = { condition: { kind: 'avs', block_if_line1_fails: true, block_if_postal_code_fails: true } };
const cvcOnCit: NewRiskRule = { condition: { kind: 'cvc', block_if_fails: true }, appliesTo: 'customer_initiated' };

const POST_ROWS: readonly PostRow[] = [
  { name: 'postal rule: postal code fails', rule: postalOnly, line1: 'pass', postalCode: 'fail', cvc: 'pass', expect: 'rule_avs_postal_code/incorrect_zip' },
  { name: 'postal rule: postal code fails, MIT', rule: postalOnly, line1: 'pass', postalCode: 'fail', cvc: 'unchecked', initiator: 'merchant', expect: 'rule_avs_postal_code/incorrect_zip' },
  { name: 'postal rule: only line 1 fails', rule: postalOnly, line1: 'fail', postalCode: 'pass', cvc: 'pass', expect: 'allow' },
  { name: 'postal rule: postal code unavailable', rule: postalOnly, line1: 'pass', postalCode: 'unavailable', cvc: 'pass', expect: 'allow' },
  { name: 'postal rule: not checked', rule: postalOnly, line1: 'unchecked', postalCode: 'unchecked', cvc: 'pass', expect: 'allow' },
  { name: 'line 1 rule: line 1 fails', rule: line1Only, line1: 'fail', postalCode: 'pass', cvc: 'pass', expect: 'rule_avs_line1/incorrect_address' },
  { name: 'line 1 rule: only postal code fails', rule: line1Only, line1: 'pass', postalCode: 'fail', cvc: 'pass', expect: 'allow' },
  { name: 'both: both fail → the postal code is reported', rule: bothAvs, line1: 'fail', postalCode: 'fail', cvc: 'pass', expect: 'rule_avs_postal_code/incorrect_zip' },
  { name: 'both: line 1 fails', rule: bothAvs, line1: 'fail', postalCode: 'pass', cvc: 'pass', expect: 'rule_avs_line1/incorrect_address' },
  { name: 'cvc (CIT only): fails, CIT', rule: cvcOnCit, line1: 'pass', postalCode: 'pass', cvc: 'fail', expect: 'rule_cvc/incorrect_cvc' },
  { name: 'cvc (CIT only): passes, CIT', rule: cvcOnCit, line1: 'pass', postalCode: 'pass', cvc: 'pass', expect: 'allow' },
  { name: 'cvc (CIT only): unavailable, CIT', rule: cvcOnCit, line1: 'pass', postalCode: 'pass', cvc: 'unavailable', expect: 'allow' },
  { name: 'cvc (CIT only): fails, MIT', rule: cvcOnCit, line1: 'pass', postalCode: 'pass', cvc: 'fail', initiator: 'merchant', expect: 'allow' },
  { name: 'pre-authorization kinds do not act again after the issuer', rule: { condition: { kind: 'card_funding', in: ['credit'] } }, line1: 'fail', postalCode: 'fail', cvc: 'fail', expect: 'allow' },
];

test('post-authorization: AVS and CVC policy on the issuer\'s results', async () => {
  for (const row of POST_ROWS) {
    const merchantId = await f.newMerchant();
    await f.addRule(merchantId, row.rule);
    const input: PostAuthorizationInput = { ...f.input(merchantId, { initiator: row.initiator ?? 'customer' }), avs: { line1: row.line1, postalCode: row.postalCode }, cvc: row.cvc };
    assert.equal(outcomeOf(await evaluatePostAuthorization(f.db, input)), row.expect, row.name);
  }
});

test('a block after the issuer answered is recorded on the payment\'s attempt', async () => {
  const merchantId = await f.newMerchant();
  const rule = await f.addRule(merchantId, postalOnly);
  const input = f.input(merchantId, { paymentId: 'pi_AVSFAILS0000001' });
  assert.deepEqual(await f.pre(input), { action: 'allow', evaluated: 0 }, 'AVS rules are not evaluated before the issuer');
  const decision = await evaluatePostAuthorization(f.db, { ...input, avs: { line1: 'pass', postalCode: 'fail' }, cvc: 'pass' });
  assert.equal(decision.action === 'block' && decision.block.predicate, ":address_zip_check: = 'fail'");
  const attempts = await listRiskAttempts(f.db, merchantId, 'pi_AVSFAILS0000001');
  assert.equal(attempts.length, 1);
  assert.deepEqual(
    { outcome: attempts[0]!.outcome, phase: attempts[0]!.phase, ruleId: attempts[0]!.ruleId, declineCode: attempts[0]!.declineCode },
    { outcome: 'blocked', phase: 'post_authorization', ruleId: rule.id, declineCode: 'incorrect_zip' },
  );
});

test('a malformed input is a bug in the caller and throws', async () => {
  const merchantId = await f.newMerchant();
  await assert.rejects(f.pre({ ...f.input(merchantId), amount: { minor: 1.5, currency: 'USD' } }), /invalid input: amount/);
  await assert.rejects(f.pre({ ...f.input(merchantId), card: { ...f.input(merchantId).card, funding: 'gift' as 'credit' } }), /card\.funding/);
});
