import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeRule, rulePredicate } from '../../src/acquirer/risk/describe-rule.ts';
import { BLOCK_PREPAID_ON_CUSTOMER_INITIATED } from '../../src/acquirer/risk/presets.ts';
import type { RiskCondition, RiskRule } from '../../src/acquirer/risk/rule-types.ts';
import { checkActionFits, normalizeCondition } from '../../src/acquirer/risk/rule-validation.ts';
import { AppError } from '../../src/platform/errors.ts';

// [condition, expected code, expected param]
const REFUSED: ReadonlyArray<readonly [unknown, string, string]> = [
  [undefined, 'parameter_missing', 'condition'],
  ['prepaid', 'parameter_invalid', 'condition'],
  [{}, 'parameter_missing', 'condition[kind]'],
  [{ kind: 'bin' }, 'parameter_invalid', 'condition[kind]'],
  [{ kind: 'card_country' }, 'parameter_missing', 'condition[in]'],
  [{ kind: 'card_country', in: ['US'], not_in: ['CN'] }, 'parameter_invalid', 'condition[not_in]'],
  [{ kind: 'card_country', in: [] }, 'parameter_invalid', 'condition[in]'],
  [{ kind: 'card_country', in: ['US', 'UK'] }, 'parameter_invalid', 'condition[in][1]'],
  [{ kind: 'card_country', not_in: ['USA'] }, 'parameter_invalid', 'condition[not_in][0]'],
  [{ kind: 'card_country', in: ['US', 'us'] }, 'parameter_invalid', 'condition[in][1]'],
  [{ kind: 'card_country', in: ['US'], funding: 'prepaid' }, 'parameter_unknown', 'condition[funding]'],
  [{ kind: 'card_funding', in: ['prepaid', 'virtual'] }, 'parameter_invalid', 'condition[in][1]'],
  [{ kind: 'card_funding', in: [7] }, 'parameter_invalid', 'condition[in][0]'],
  [{ kind: 'card_funding', not_in: ['prepaid'] }, 'parameter_unknown', 'condition[not_in]'],
  [{ kind: 'velocity', max_attempts: 3, window_seconds: 60 }, 'parameter_missing', 'condition[per]'],
  [{ kind: 'velocity', per: 'ip_address', max_attempts: 3, window_seconds: 60 }, 'parameter_invalid', 'condition[per]'],
  [{ kind: 'velocity', per: 'customer', window_seconds: 60 }, 'parameter_missing', 'condition[max_attempts]'],
  [{ kind: 'velocity', per: 'customer', max_attempts: 0, window_seconds: 60 }, 'parameter_invalid', 'condition[max_attempts]'],
  [{ kind: 'velocity', per: 'customer', max_attempts: 2.5, window_seconds: 60 }, 'parameter_invalid', 'condition[max_attempts]'],
  [{ kind: 'velocity', per: 'customer', max_attempts: 3, window_seconds: 30 * 86_400 + 1 }, 'parameter_invalid', 'condition[window_seconds]'],
  [{ kind: 'amount', above_minor: 100 }, 'parameter_missing', 'condition[currency]'],
  [{ kind: 'amount', currency: 'xyz', above_minor: 100 }, 'parameter_invalid', 'condition[currency]'],
  [{ kind: 'amount', currency: 'usd', above_minor: -1 }, 'parameter_invalid', 'condition[above_minor]'],
  [{ kind: 'amount', currency: 'usd', above_minor: '10.5' }, 'parameter_invalid', 'condition[above_minor]'],
  [{ kind: 'avs' }, 'parameter_invalid', 'condition[block_if_postal_code_fails]'],
  [{ kind: 'avs', block_if_line1_fails: 'yes' }, 'parameter_invalid', 'condition[block_if_line1_fails]'],
  [{ kind: 'cvc' }, 'parameter_missing', 'condition[block_if_fails]'],
  [{ kind: 'cvc', block_if_fails: false }, 'parameter_invalid', 'condition[block_if_fails]'],
  [{ kind: 'card_fingerprint', in: ['short'] }, 'parameter_invalid', 'condition[in][0]'],
  [{ kind: 'card_fingerprint', in: Array.from({ length: 501 }, (_, i) => `fp${String(i).padStart(10, '0')}`) }, 'parameter_invalid', 'condition[in]'],
];

test('conditions: every malformed one is refused with a stable code and the parameter at fault', () => {
  for (const [condition, code, param] of REFUSED) {
    assert.throws(
      () => normalizeCondition(condition),
      (error: unknown) => {
        assert.ok(error instanceof AppError, `an AppError for ${JSON.stringify(condition)?.slice(0, 80)}`);
        assert.deepEqual({ code: error.code, param: error.param, status: error.status }, { code, param, status: 400 }, JSON.stringify(condition)?.slice(0, 80));
        return true;
      },
    );
  }
});

test('conditions: good ones come back normalised', () => {
  assert.deepEqual(normalizeCondition({ kind: 'card_country', in: ['cn', 'Ru'] }), { kind: 'card_country', in: ['CN', 'RU'] });
  assert.deepEqual(normalizeCondition({ kind: 'amount', currency: 'USD', above_minor: '50000' }), { kind: 'amount', currency: 'usd', above_minor: 50_000 });
  assert.deepEqual(normalizeCondition({ kind: 'avs', block_if_postal_code_fails: 'true' }), { kind: 'avs', block_if_line1_fails: false, block_if_postal_code_fails: true });
  assert.deepEqual(normalizeCondition({ kind: 'card_funding', in: 'prepaid' }), { kind: 'card_funding', in: ['prepaid'] });
  assert.deepEqual(normalizeCondition({ kind: 'velocity', per: 'customer', max_attempts: '5', window_seconds: 3600 }), {
    kind: 'velocity',
    per: 'customer',
    max_attempts: 5,
    window_seconds: 3600,
  });
});

test('allow rules take only conditions that can sensibly allow', () => {
  const kinds: ReadonlyArray<readonly [RiskCondition, boolean]> = [
    [{ kind: 'card_country', in: ['US'] }, true],
    [{ kind: 'card_funding', in: ['credit'] }, true],
    [{ kind: 'amount', currency: 'usd', above_minor: 1 }, true],
    [{ kind: 'card_fingerprint', in: ['fpTRUSTEDaaaaaaa'] }, true],
    [{ kind: 'velocity', per: 'customer', max_attempts: 1, window_seconds: 1 }, false],
    [{ kind: 'avs', block_if_line1_fails: true, block_if_postal_code_fails: false }, false],
    [{ kind: 'cvc', block_if_fails: true }, false],
  ];
  for (const [condition, allowable] of kinds) {
    checkActionFits('block', condition);
    if (allowable) checkActionFits('allow', condition);
    else assert.throws(() => checkActionFits('allow', condition), (e: unknown) => e instanceof AppError && e.code === 'parameter_invalid' && e.param === 'action', condition.kind);
  }
});

test('describeRule and the predicate say what each rule does', () => {
  const rule = (r: Pick<RiskRule, 'condition'> & Partial<Pick<RiskRule, 'action' | 'appliesTo' | 'purpose'>>) => ({ action: 'block' as const, appliesTo: 'all' as const, purpose: 'all' as const, ...r });
  const cases: ReadonlyArray<readonly [ReturnType<typeof rule>, string, string]> = [
    [
      rule({ condition: BLOCK_PREPAID_ON_CUSTOMER_INITIATED.condition, appliesTo: 'customer_initiated', purpose: 'purchase' }),
      'Block prepaid cards on customer-initiated purchases',
      ":card_funding: = 'prepaid' and :is_off_session: = false and :purpose: = 'purchase'",
    ],
    [rule({ condition: { kind: 'card_country', in: ['CN', 'RU'] } }), 'Block cards issued in China (CN) or Russia (RU)', ":card_country: in ('CN', 'RU')"],
    [
      rule({ condition: { kind: 'card_country', not_in: ['US'] }, appliesTo: 'merchant_initiated' }),
      'Block cards not issued in United States (US) on merchant-initiated (off-session) payments',
      ":card_country: not in ('US') and :is_off_session: = true",
    ],
    [rule({ condition: { kind: 'card_funding', in: ['prepaid', 'unknown'] } }), 'Block prepaid and unknown cards', ":card_funding: in ('prepaid', 'unknown')"],
    [
      rule({ condition: { kind: 'velocity', per: 'card_fingerprint', max_attempts: 5, window_seconds: 3_600 } }),
      'Block payments from the same card beyond 5 attempts within 1 hour',
      ':total_attempts_per_card_fingerprint_last_3600s: > 5',
    ],
    [
      rule({ condition: { kind: 'amount', currency: 'usd', above_minor: 50_000 }, action: 'allow', appliesTo: 'customer_initiated' }),
      'Allow customer-initiated payments over $500.00',
      ":currency: = 'usd' and :amount_minor: > 50000 and :is_off_session: = false",
    ],
    [
      rule({ condition: { kind: 'avs', block_if_line1_fails: true, block_if_postal_code_fails: true } }),
      "Block payments when the issuer's address line 1 or postal code check fails",
      "(:address_line1_check: = 'fail' or :address_zip_check: = 'fail')",
    ],
    [rule({ condition: { kind: 'cvc', block_if_fails: true }, purpose: 'account_verification' }), "Block card verifications when the issuer's CVC check fails", ":cvc_check: = 'fail' and :purpose: = 'account_verification'"],
    [rule({ condition: { kind: 'card_fingerprint', in: ['fpONEaaaaaaaaaaa'] } }), 'Block 1 listed card', ":card_fingerprint: in ('fpONEaaaaaaaaaaa')"],
  ];
  for (const [r, sentence, predicate] of cases) {
    assert.equal(describeRule(r), sentence);
    assert.equal(rulePredicate(r), predicate);
  }
});
