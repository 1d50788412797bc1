import { AcquirerError } from '../errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { parseListQuery, stripeList, type ListQuery } from '../stripe/list.ts';
import { updateMetadata, type Params } from '../stripe/params.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { describePaymentScope, describeRule, rulePredicate } from './describe-rule.ts';
import { createRiskRule, deleteRiskRule, getRiskRule, listRiskRules, updateRiskRule, type RiskRulePatch } from './risk-rules.ts';
import { APPLIES_TO, CONDITION_KINDS, RISK_ACTIONS, RULE_PURPOSES, type PaymentScope, type RiskCondition, type RiskRule } from './rule-types.ts';
import { COUNTRY_LIST_MAX_ITEMS, DESCRIPTION_MAX_CHARS, FINGERPRINT_LIST_MAX_ITEMS, SCOPE_DESCRIPTION_MAX_CHARS } from './rule-validation.ts';

/**
 * `/v1/risk_rules`: a Cardlane extension in Stripe's style (Stripe keeps
 * Radar rules in its dashboard; here a merchant manages them with its secret
 * key, from the API or `cardlane acquirer rules`). Form-encoded like every
 * Stripe call, e.g.
 * `condition[kind]=card_funding&condition[in][0]=prepaid&applies_to=customer_initiated&action=block`.
 */

export interface RiskRuleObject {
  readonly id: string;
  readonly object: 'risk_rule';
  readonly action: RiskRule['action'];
  readonly condition: RiskCondition;
  readonly applies_to: RiskRule['appliesTo'];
  readonly purpose: RiskRule['purpose'];
  /** Only payments whose metadata/description match (Cardlane's Radar-like scope); null: every payment. */
  readonly only_when: PaymentScope | null;
  /** Payments whose metadata/description match are exempt; null: none. */
  readonly except_when: PaymentScope | null;
  readonly enabled: boolean;
  readonly description: string | null;
  /** `describeRule`: one line of English. */
  readonly summary: string;
  /** The rule's payment scope for people, in English and Chinese; null when it has none. */
  readonly scope_summary: { readonly en: string; readonly 'zh-CN': string } | null;
  /** The condition in Radar's rule syntax. */
  readonly predicate: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly created: number;
  readonly updated: number;
  readonly livemode: false;
}

export function riskRuleObject(rule: RiskRule): RiskRuleObject {
  return {
    id: rule.id,
    object: 'risk_rule',
    action: rule.action,
    condition: rule.condition,
    applies_to: rule.appliesTo,
    purpose: rule.purpose,
    only_when: rule.onlyWhen ?? null,
    except_when: rule.exceptWhen ?? null,
    enabled: rule.enabled,
    description: rule.description,
    summary: describeRule(rule),
    scope_summary: rule.onlyWhen || rule.exceptWhen ? { en: describePaymentScope(rule, 'en'), 'zh-CN': describePaymentScope(rule, 'zh-CN') } : null,
    predicate: rulePredicate(rule),
    metadata: rule.metadata,
    created: Math.floor(rule.createdAtMs / 1000),
    updated: Math.floor(rule.updatedAtMs / 1000),
    livemode: false,
  };
}

/**
 * Reads `condition[…]` with the reader each field needs (so a mistyped field
 * is refused as unknown); the values' meaning is checked by `normalizeCondition`.
 */
function conditionParam(params: Params, required: boolean): Record<string, unknown> | undefined {
  const c = params.object('condition', { required });
  if (c === undefined) return undefined;
  const kind = c.enumOf('kind', CONDITION_KINDS, { required: true })!;
  const raw: Record<string, unknown> = { kind };
  const put = (name: string, value: unknown) => {
    if (value !== undefined) raw[name] = value;
  };
  switch (kind) {
    case 'card_country':
      put('in', c.stringList('in', { maxItems: COUNTRY_LIST_MAX_ITEMS, maxChars: 10 }));
      put('not_in', c.stringList('not_in', { maxItems: COUNTRY_LIST_MAX_ITEMS, maxChars: 10 }));
      break;
    case 'card_funding':
      put('in', c.stringList('in', { maxItems: 8, maxChars: 20 }));
      break;
    case 'velocity':
      put('per', c.string('per', { maxChars: 40 }));
      put('max_attempts', c.integer('max_attempts'));
      put('window_seconds', c.integer('window_seconds'));
      break;
    case 'amount':
      put('currency', c.string('currency', { maxChars: 10 }));
      put('above_minor', c.integer('above_minor'));
      break;
    case 'avs':
      put('block_if_line1_fails', c.boolean('block_if_line1_fails'));
      put('block_if_postal_code_fails', c.boolean('block_if_postal_code_fails'));
      break;
    case 'cvc':
      put('block_if_fails', c.boolean('block_if_fails'));
      break;
    case 'name_check':
      put('in', c.stringList('in', { maxItems: 4, maxChars: 20 }));
      break;
    case 'card_fingerprint':
      put('in', c.stringList('in', { maxItems: FINGERPRINT_LIST_MAX_ITEMS, maxChars: 80 }));
      break;
  }
  return raw;
}

/**
 * `only_when[…]` / `except_when[…]`: metadata pairs and a description text,
 * read with the reader each field needs (so a mistyped field is refused as
 * unknown first); their meaning is checked when the rule is made
 * (`normalizePaymentScope`, in createRiskRule).
 */
function paymentScopeParam(params: Params, name: 'only_when' | 'except_when'): PaymentScope | null {
  const scope = params.object(name);
  if (scope === undefined) return null;
  const metadata = scope.metadata('metadata');
  const description = scope.string('description_contains', { maxChars: SCOPE_DESCRIPTION_MAX_CHARS });
  return { ...(metadata === undefined ? {} : { metadata: metadata.set as Record<string, string> }), ...(description === undefined ? {} : { description_contains: description }) };
}

function notFound(id: string): never {
  throw new AcquirerError('resource_missing', `No such risk_rule: '${id.slice(0, 80)}'`, { param: 'id' });
}

interface CreateInput {
  readonly action: RiskRule['action'];
  readonly condition: Record<string, unknown>;
  readonly appliesTo: RiskRule['appliesTo'];
  readonly purpose: RiskRule['purpose'];
  readonly enabled: boolean;
  readonly description: string | undefined;
  readonly metadata: ReturnType<Params['metadata']>;
  readonly onlyWhen: PaymentScope | null;
  readonly exceptWhen: PaymentScope | null;
}

interface UpdateInput {
  readonly id: string;
  readonly action: RiskRule['action'] | undefined;
  readonly condition: Record<string, unknown> | undefined;
  readonly appliesTo: RiskRule['appliesTo'] | undefined;
  readonly purpose: RiskRule['purpose'] | undefined;
  readonly enabled: boolean | undefined;
  readonly description: string | undefined;
  readonly metadata: ReturnType<Params['metadata']>;
}

export function riskRuleEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  const create: StripeEndpoint<CreateInput> = {
    method: 'POST',
    url: '/risk_rules',
    summary: 'Create a risk rule (Cardlane extension, like a Radar rule)',
    parse: (params) => ({
      action: params.enumOf('action', RISK_ACTIONS) ?? 'block',
      condition: conditionParam(params, true)!,
      appliesTo: params.enumOf('applies_to', APPLIES_TO) ?? 'all',
      purpose: params.enumOf('purpose', RULE_PURPOSES) ?? 'all',
      enabled: params.boolean('enabled') ?? true,
      description: params.string('description', { maxChars: DESCRIPTION_MAX_CHARS }),
      metadata: params.metadata(),
      onlyWhen: paymentScopeParam(params, 'only_when'),
      exceptWhen: paymentScopeParam(params, 'except_when'),
    }),
    run: async (input, call) => {
      const rule = await deps.db.transaction(async (tx) => {
        const created = await createRiskRule(tx, { ids: deps.ids, nowMs: call.nowMs }, call.merchant.id, {
          action: input.action,
          condition: input.condition as unknown as RiskCondition,
          appliesTo: input.appliesTo,
          purpose: input.purpose,
          enabled: input.enabled,
          description: input.description ?? null,
          metadata: updateMetadata({}, input.metadata),
          onlyWhen: input.onlyWhen,
          exceptWhen: input.exceptWhen,
        });
        await call.recovery.record(tx, created.id);
        return created;
      });
      return riskRuleObject(rule);
    },
    // A create cut short after it committed: the rule it made, not a second one.
    resume: async (_input, call, ruleId) => riskRuleObject((await getRiskRule(deps.db, call.merchant.id, ruleId)) ?? notFound(ruleId)),
  };

  const retrieve: StripeEndpoint<{ id: string }> = {
    method: 'GET',
    url: '/risk_rules/:id',
    summary: 'Retrieve a risk rule',
    parse: (_params, call) => ({ id: call.path.id ?? '' }),
    run: async (input, call) => riskRuleObject((await getRiskRule(deps.db, call.merchant.id, input.id)) ?? notFound(input.id)),
  };

  const update: StripeEndpoint<UpdateInput> = {
    method: 'POST',
    url: '/risk_rules/:id',
    summary: 'Update a risk rule: enable, disable, change its condition, scope or description',
    parse: (params, call) => ({
      id: call.path.id ?? '',
      action: params.enumOf('action', RISK_ACTIONS),
      condition: conditionParam(params, false),
      appliesTo: params.enumOf('applies_to', APPLIES_TO),
      purpose: params.enumOf('purpose', RULE_PURPOSES),
      enabled: params.boolean('enabled'),
      description: params.string('description', { maxChars: DESCRIPTION_MAX_CHARS }),
      metadata: params.metadata(),
    }),
    run: async (input, call) => {
      const rule = await deps.db.transaction(async (tx) => {
        // Metadata merges into what is stored (Stripe's rule), so it needs the current rule.
        const current = (await getRiskRule(tx, call.merchant.id, input.id)) ?? notFound(input.id);
        const patch: RiskRulePatch = {
          action: input.action,
          condition: input.condition as unknown as RiskCondition | undefined,
          appliesTo: input.appliesTo,
          purpose: input.purpose,
          enabled: input.enabled,
          description: input.description,
          metadata: input.metadata === undefined ? undefined : updateMetadata(current.metadata, input.metadata),
        };
        return (await updateRiskRule(tx, call.nowMs, call.merchant.id, input.id, patch)) ?? notFound(input.id);
      });
      return riskRuleObject(rule);
    },
  };

  const list: StripeEndpoint<{ query: ListQuery; enabled: boolean | undefined }> = {
    method: 'GET',
    url: '/risk_rules',
    summary: "List the merchant's risk rules, newest first",
    parse: (params) => ({ query: parseListQuery(params), enabled: params.boolean('enabled') }),
    run: async (input, call) => {
      const page = await listRiskRules(deps.db, call.merchant.id, input.query, input.enabled === undefined ? {} : { enabled: input.enabled });
      return stripeList('/v1/risk_rules', page.rules.map(riskRuleObject), page.hasMore);
    },
  };

  const remove: StripeEndpoint<{ id: string }> = {
    method: 'DELETE',
    url: '/risk_rules/:id',
    summary: 'Delete a risk rule',
    parse: (_params, call) => ({ id: call.path.id ?? '' }),
    run: async (input, call) => {
      const deleted = await deps.db.transaction((tx) => deleteRiskRule(tx, call.nowMs, call.merchant.id, input.id));
      if (!deleted) notFound(input.id);
      return { id: input.id, object: 'risk_rule', deleted: true };
    },
  };

  return [create, list, retrieve, update, remove];
}
