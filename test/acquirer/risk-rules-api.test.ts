import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { evaluatePreAuthorization } from '../../src/acquirer/risk/evaluate.ts';
import { riskRuleEndpoints } from '../../src/acquirer/risk/risk-rule-endpoints.ts';
import { createRiskRule, MAX_RULES_PER_MERCHANT } from '../../src/acquirer/risk/risk-rules.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: riskRuleEndpoints });
});
afterEach(async () => f.close());

type Rule = {
  id: string;
  object: string;
  action: string;
  condition: Record<string, unknown>;
  applies_to: string;
  purpose: string;
  enabled: boolean;
  description: string | null;
  summary: string;
  predicate: string;
  metadata: Record<string, string>;
  created: number;
  livemode: boolean;
};

const create = (stripe: Stripe, params: Record<string, unknown>) => stripe.rawRequest('POST', '/v1/risk_rules', params) as Promise<unknown> as Promise<Rule>;

/** Expects the SDK to raise an invalid-request error with this status, code and param. */
async function refused(promise: Promise<unknown>, expected: { status: number; code: string; param?: string }): Promise<void> {
  await assert.rejects(promise, (e: any) => {
    assert.ok(e instanceof Stripe.errors.StripeError, String(e));
    assert.deepEqual({ status: e.statusCode, code: e.code, param: e.param }, { param: undefined, ...expected });
    return true;
  });
}

test('create, retrieve, update, list and delete a rule through the official SDK', async () => {
  const rule = await create(f.stripe, {
    condition: { kind: 'card_funding', in: ['prepaid'] },
    applies_to: 'customer_initiated',
    purpose: 'purchase',
    action: 'block',
    metadata: { ticket: 'RISK-1' },
  });
  assert.match(rule.id, /^rr_[0-9A-Z]{26}$/);
  assert.deepEqual(
    { ...rule, id: undefined, created: undefined },
    {
      id: undefined,
      object: 'risk_rule',
      action: 'block',
      condition: { kind: 'card_funding', in: ['prepaid'] },
      applies_to: 'customer_initiated',
      purpose: 'purchase',
      only_when: null,
      except_when: null,
      enabled: true,
      description: null,
      summary: 'Block prepaid cards on customer-initiated purchases',
      scope_summary: null,
      predicate: ":card_funding: = 'prepaid' and :is_off_session: = false and :purpose: = 'purchase'",
      metadata: { ticket: 'RISK-1' },
      created: undefined,
      updated: Math.floor(f.clock.nowMs() / 1000),
      livemode: false,
    },
  );
  assert.equal(rule.created, Math.floor(f.clock.nowMs() / 1000));
  assert.deepEqual(await f.stripe.rawRequest('GET', `/v1/risk_rules/${rule.id}`), rule);

  f.clock.advanceMs(5_000);
  const updated = (await f.stripe.rawRequest('POST', `/v1/risk_rules/${rule.id}`, {
    enabled: false,
    description: 'No prepaid top-ups by hand',
    condition: { kind: 'card_funding', in: ['prepaid', 'unknown'] },
    applies_to: 'all',
    metadata: { owner: 'risk-team' },
  })) as unknown as Rule & { updated: number };
  assert.equal(updated.enabled, false);
  assert.equal(updated.description, 'No prepaid top-ups by hand');
  assert.deepEqual(updated.condition, { kind: 'card_funding', in: ['prepaid', 'unknown'] });
  assert.equal(updated.applies_to, 'all');
  assert.equal(updated.purpose, 'purchase', 'what the update leaves out stays');
  assert.deepEqual(updated.metadata, { ticket: 'RISK-1', owner: 'risk-team' }, 'metadata merges, as at Stripe');
  assert.equal(updated.updated, rule.created + 5);
  const cleared = (await f.stripe.rawRequest('POST', `/v1/risk_rules/${rule.id}`, { description: '' })) as unknown as Rule;
  assert.equal(cleared.description, null);

  const second = await create(f.stripe, { condition: { kind: 'card_country', not_in: ['US', 'CA'] }, description: 'North America only' });
  const third = await create(f.stripe, { condition: { kind: 'velocity', per: 'card_fingerprint', max_attempts: 5, window_seconds: 3600 }, applies_to: 'merchant_initiated' });
  const page = (await f.stripe.rawRequest('GET', '/v1/risk_rules?limit=2')) as unknown as { object: string; data: Rule[]; has_more: boolean; url: string };
  assert.deepEqual(
    { object: page.object, ids: page.data.map((r) => r.id), has_more: page.has_more, url: page.url },
    { object: 'list', ids: [third.id, second.id], has_more: true, url: '/v1/risk_rules' },
  );
  const next = (await f.stripe.rawRequest('GET', `/v1/risk_rules?limit=2&starting_after=${second.id}`)) as unknown as { data: Rule[]; has_more: boolean };
  assert.deepEqual([next.data.map((r) => r.id), next.has_more], [[rule.id], false]);
  const disabled = (await f.stripe.rawRequest('GET', '/v1/risk_rules?enabled=false')) as unknown as { data: Rule[] };
  assert.deepEqual(disabled.data.map((r) => r.id), [rule.id]);

  const deleted = await f.stripe.rawRequest('DELETE', `/v1/risk_rules/${second.id}`);
  assert.deepEqual({ ...deleted, lastResponse: undefined }, { id: second.id, object: 'risk_rule', deleted: true, lastResponse: undefined });
  await refused(f.stripe.rawRequest('GET', `/v1/risk_rules/${second.id}`), { status: 404, code: 'resource_missing', param: 'id' });
  await refused(f.stripe.rawRequest('DELETE', `/v1/risk_rules/${second.id}`), { status: 404, code: 'resource_missing', param: 'id' });
  await refused(f.stripe.rawRequest('POST', `/v1/risk_rules/${second.id}`, { enabled: true }), { status: 404, code: 'resource_missing', param: 'id' });
  const all = (await f.stripe.rawRequest('GET', '/v1/risk_rules')) as unknown as { data: Rule[] };
  assert.deepEqual(all.data.map((r) => r.id), [third.id, rule.id]);
});

test('form encoding as the brief writes it, and a rule created over HTTP blocks the next evaluation', async () => {
  const response = await fetch(`${f.url}/v1/risk_rules`, {
    method: 'POST',
    headers: { authorization: `Bearer ${f.merchant.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'condition[kind]=card_funding&condition[in][0]=prepaid&applies_to=customer_initiated&action=block',
  });
  assert.equal(response.status, 200);
  const rule = (await response.json()) as Rule;
  const input = {
    merchantId: f.merchant.merchant.id,
    paymentId: 'pi_HTTPRULE00000001',
    amount: { minor: 1_000, currency: 'USD' },
    card: { brand: 'visa', country: 'US', funding: 'prepaid', fingerprint: 'fpPREPAIDaaaaaaa', last4: '0005' },
    initiator: 'customer',
    purpose: 'purchase',
    customerId: null,
    highestRisk: false,
    nowMs: f.clock.nowMs(),
  } as const;
  const decision = await f.db.transaction((tx) => evaluatePreAuthorization(tx, input));
  assert.equal(decision.action === 'block' && decision.block.ruleId, rule.id);
  await f.stripe.rawRequest('POST', `/v1/risk_rules/${rule.id}`, { enabled: false });
  const after = await f.db.transaction((tx) => evaluatePreAuthorization(tx, { ...input, paymentId: 'pi_HTTPRULE00000002' }));
  assert.equal(after.action, 'allow', 'disabling takes effect on the very next payment');
});

test('bad rules are refused with stable codes and params, and nothing is stored', async () => {
  const cases: ReadonlyArray<readonly [Record<string, unknown>, { status: number; code: string; param?: string }]> = [
    [{}, { status: 400, code: 'parameter_missing', param: 'condition' }],
    [{ condition: { in: ['prepaid'] } }, { status: 400, code: 'parameter_missing', param: 'condition[kind]' }],
    [{ condition: { kind: 'card_funding', in: ['prepaid'], colour: 'red' } }, { status: 400, code: 'parameter_unknown', param: 'condition[colour]' }],
    [{ condition: { kind: 'card_funding', in: ['virtual'] } }, { status: 400, code: 'parameter_invalid', param: 'condition[in][0]' }],
    [{ condition: { kind: 'card_country', in: ['US', 'XX'] } }, { status: 400, code: 'parameter_invalid', param: 'condition[in][1]' }],
    [{ condition: { kind: 'velocity', per: 'card_fingerprint', max_attempts: 'many', window_seconds: 60 } }, { status: 400, code: 'parameter_invalid', param: 'condition[max_attempts]' }],
    [{ condition: { kind: 'velocity', per: 'card_fingerprint', max_attempts: 5 } }, { status: 400, code: 'parameter_missing', param: 'condition[window_seconds]' }],
    [{ condition: { kind: 'amount', currency: 'usd', above_minor: 100 }, applies_to: 'sometimes' }, { status: 400, code: 'parameter_invalid', param: 'applies_to' }],
    [{ condition: { kind: 'cvc', block_if_fails: true }, action: 'allow' }, { status: 400, code: 'parameter_invalid', param: 'action' }],
    [{ condition: { kind: 'cvc', block_if_fails: true }, action: 'review' }, { status: 400, code: 'parameter_invalid', param: 'action' }],
    [{ condition: { kind: 'cvc', block_if_fails: true }, purpose: 'refund' }, { status: 400, code: 'parameter_invalid', param: 'purpose' }],
    [{ condition: { kind: 'cvc', block_if_fails: true }, description: 'x'.repeat(501) }, { status: 400, code: 'parameter_invalid', param: 'description' }],
    [{ condition: { kind: 'cvc', block_if_fails: true }, priority: 1 }, { status: 400, code: 'parameter_unknown', param: 'priority' }],
    [{ condition: 'prepaid' }, { status: 400, code: 'parameter_invalid', param: 'condition' }],
  ];
  for (const [params, expected] of cases) await refused(create(f.stripe, params), expected);
  const rule = await create(f.stripe, { condition: { kind: 'card_funding', in: ['prepaid'] } });
  await refused(f.stripe.rawRequest('POST', `/v1/risk_rules/${rule.id}`, { condition: { kind: 'velocity', per: 'customer' } }), {
    status: 400,
    code: 'parameter_missing',
    param: 'condition[max_attempts]',
  });
  await refused(f.stripe.rawRequest('POST', `/v1/risk_rules/${rule.id}`, { action: 'allow', condition: { kind: 'avs', block_if_line1_fails: true } }), {
    status: 400,
    code: 'parameter_invalid',
    param: 'action',
  });
  const list = (await f.stripe.rawRequest('GET', '/v1/risk_rules')) as unknown as { data: Rule[] };
  assert.deepEqual(list.data.map((r) => [r.id, r.condition]), [[rule.id, { kind: 'card_funding', in: ['prepaid'] }]], 'only the good rule, unchanged');
  await refused(f.stripe.rawRequest('GET', '/v1/risk_rules/rr_nope'), { status: 404, code: 'resource_missing', param: 'id' });
});

test('rules belong to their merchant; publishable keys cannot touch them; a merchant has at most 100', async () => {
  const mine = await create(f.stripe, { condition: { kind: 'card_country', in: ['CN'] } });
  const other = await f.addMerchant({ name: 'Other Shop' });
  const theirs = f.stripeFor(other.secretKey);
  await refused(theirs.rawRequest('GET', `/v1/risk_rules/${mine.id}`), { status: 404, code: 'resource_missing', param: 'id' });
  await refused(theirs.rawRequest('POST', `/v1/risk_rules/${mine.id}`, { enabled: false }), { status: 404, code: 'resource_missing', param: 'id' });
  await refused(theirs.rawRequest('DELETE', `/v1/risk_rules/${mine.id}`), { status: 404, code: 'resource_missing', param: 'id' });
  assert.deepEqual(((await theirs.rawRequest('GET', '/v1/risk_rules')) as unknown as { data: Rule[] }).data, []);
  assert.equal(((await f.stripe.rawRequest('GET', `/v1/risk_rules/${mine.id}`)) as unknown as Rule).enabled, true, 'untouched by the other merchant');

  await refused(f.stripeFor(f.merchant.publishableKey).rawRequest('GET', '/v1/risk_rules'), { status: 403, code: 'permission_denied' });
  await refused(f.stripeFor(f.merchant.publishableKey).rawRequest('POST', '/v1/risk_rules', { condition: { kind: 'card_country', in: ['CN'] } }), {
    status: 403,
    code: 'permission_denied',
  });

  await f.db.transaction(async (tx) => {
    for (let i = 1; i < MAX_RULES_PER_MERCHANT; i++) {
      await createRiskRule(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, f.merchant.merchant.id, { condition: { kind: 'amount', currency: 'usd', above_minor: i } });
    }
  });
  await refused(create(f.stripe, { condition: { kind: 'card_country', in: ['RU'] } }), { status: 409, code: 'risk_rule_limit_reached' });
  await f.stripe.rawRequest('DELETE', `/v1/risk_rules/${mine.id}`);
  await create(f.stripe, { condition: { kind: 'card_country', in: ['RU'] } });
  await create(theirs, { condition: { kind: 'card_country', in: ['RU'] } }); // the ceiling is per merchant
});
