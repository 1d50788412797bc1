import type { Sql, Tx } from '../../platform/db/database.ts';
import { AcquirerError } from '../errors.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { listPage, type ListQuery } from '../stripe/list.ts';
import type { AppliesTo, NewRiskRule, PaymentScope, RiskAction, RiskCondition, RiskRule, RulePurpose } from './rule-types.ts';
import { checkActionFits, checkAppliesTo, checkPurpose, normalizeCondition, normalizeDescription, normalizePaymentScope } from './rule-validation.ts';

/**
 * Storage of a merchant's risk rules. Every function is scoped to one
 * merchant: a rule id from another merchant is simply not found. Every
 * write validates the whole resulting rule (action, condition, scope), so a
 * stored rule is always one the evaluator understands.
 */

/** Live (not deleted) rules per merchant: each authorization reads them all, so there is a ceiling. */
export const MAX_RULES_PER_MERCHANT = 100;

export const RISK_RULE_ID_PATTERN = /^rr_[0-9A-Za-z]{10,40}$/;

interface RuleRow {
  id: string;
  merchant_id: string;
  action: RiskAction;
  condition_json: string;
  applies_to: AppliesTo;
  purpose: RulePurpose;
  enabled: number | string;
  description: string | null;
  metadata_json: string;
  payment_scope_json: string | null;
  created_at_ms: number | string;
  updated_at_ms: number | string;
  deleted_at_ms: number | string | null;
}

const COLUMNS =
  'id, merchant_id, action, condition_json, applies_to, purpose, enabled, description, metadata_json, created_at_ms, updated_at_ms, deleted_at_ms, payment_scope_json';

function fromRow(row: RuleRow): RiskRule {
  const scope = row.payment_scope_json === null ? {} : (JSON.parse(row.payment_scope_json) as { only_when?: PaymentScope; except_when?: PaymentScope });
  return {
    id: row.id,
    merchantId: row.merchant_id,
    action: row.action,
    condition: JSON.parse(row.condition_json) as RiskCondition,
    appliesTo: row.applies_to,
    purpose: row.purpose,
    onlyWhen: scope.only_when ?? null,
    exceptWhen: scope.except_when ?? null,
    enabled: Number(row.enabled) === 1,
    description: row.description,
    metadata: JSON.parse(row.metadata_json) as Record<string, string>,
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
    deletedAtMs: row.deleted_at_ms === null ? null : Number(row.deleted_at_ms),
  };
}

export async function createRiskRule(tx: Tx, deps: { readonly ids: IdGenerator; readonly nowMs: number }, merchantId: string, input: NewRiskRule): Promise<RiskRule> {
  const action = input.action ?? 'block';
  const condition = normalizeCondition(input.condition);
  checkActionFits(action, condition);
  const appliesTo = input.appliesTo ?? 'all';
  checkAppliesTo(appliesTo);
  const purpose = input.purpose ?? 'all';
  checkPurpose(purpose);
  const description = normalizeDescription(input.description);
  const onlyWhen = normalizePaymentScope(input.onlyWhen, 'only_when');
  const exceptWhen = normalizePaymentScope(input.exceptWhen, 'except_when');

  // Serializes rule creation per merchant (a row lock on PostgreSQL; SQLite writers are serial), so the ceiling holds under concurrency.
  const merchant = await tx.get<{ id: string }>(`SELECT id FROM acquirer_merchants WHERE id = ? ${tx.forUpdate}`, [merchantId]);
  if (merchant === undefined) throw new Error(`risk rule for an unknown merchant ${merchantId}`);
  const live = await tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM acquirer_risk_rules WHERE merchant_id = ? AND deleted_at_ms IS NULL', [merchantId]);
  if (Number(live?.n ?? 0) >= MAX_RULES_PER_MERCHANT) {
    throw new AcquirerError('risk_rule_limit_reached', `A merchant may have at most ${MAX_RULES_PER_MERCHANT} risk rules; delete one first.`);
  }

  const rule: RiskRule = {
    id: deps.ids.next('rr'),
    merchantId,
    action,
    condition,
    appliesTo,
    purpose,
    onlyWhen,
    exceptWhen,
    enabled: input.enabled ?? true,
    description,
    metadata: { ...(input.metadata ?? {}) },
    createdAtMs: deps.nowMs,
    updatedAtMs: deps.nowMs,
    deletedAtMs: null,
  };
  await tx.run(
    `INSERT INTO acquirer_risk_rules (${COLUMNS}, condition_kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      rule.id,
      merchantId,
      rule.action,
      JSON.stringify(rule.condition),
      rule.appliesTo,
      rule.purpose,
      rule.enabled ? 1 : 0,
      rule.description,
      JSON.stringify(rule.metadata),
      rule.createdAtMs,
      rule.updatedAtMs,
      null,
      onlyWhen === null && exceptWhen === null ? null : JSON.stringify({ ...(onlyWhen ? { only_when: onlyWhen } : {}), ...(exceptWhen ? { except_when: exceptWhen } : {}) }),
      rule.condition.kind,
    ],
  );
  return rule;
}

/** One rule of this merchant; deleted rules only when asked (traces explain old blocks). */
export async function getRiskRule(sql: Sql, merchantId: string, id: string, options: { includeDeleted?: boolean } = {}): Promise<RiskRule | undefined> {
  if (!RISK_RULE_ID_PATTERN.test(id)) return undefined;
  const row = await sql.get<RuleRow>(`SELECT ${COLUMNS} FROM acquirer_risk_rules WHERE id = ? AND merchant_id = ?`, [id, merchantId]);
  if (row === undefined) return undefined;
  const rule = fromRow(row);
  return rule.deletedAtMs !== null && !options.includeDeleted ? undefined : rule;
}

/** The rules an authorization is checked against: enabled, not deleted, oldest first (the order blocks are reported in). */
export async function loadActiveRiskRules(sql: Sql, merchantId: string): Promise<RiskRule[]> {
  const rows = await sql.all<RuleRow>(
    `SELECT ${COLUMNS} FROM acquirer_risk_rules WHERE merchant_id = ? AND enabled = 1 AND deleted_at_ms IS NULL ORDER BY id LIMIT ?`,
    [merchantId, MAX_RULES_PER_MERCHANT],
  );
  return rows.map(fromRow);
}

/** A page of the merchant's live rules, newest first (Stripe's list order). */
export async function listRiskRules(sql: Sql, merchantId: string, query: ListQuery, filter: { enabled?: boolean } = {}): Promise<{ rules: RiskRule[]; hasMore: boolean }> {
  const where = ['merchant_id = ?', 'deleted_at_ms IS NULL'];
  const params: unknown[] = [merchantId];
  if (filter.enabled !== undefined) {
    where.push('enabled = ?');
    params.push(filter.enabled ? 1 : 0);
  }
  const page = await listPage<RuleRow>(sql, { table: 'acquirer_risk_rules', columns: COLUMNS, where: where.join(' AND '), params, query });
  return { rules: page.rows.map(fromRow), hasMore: page.hasMore };
}

export interface RiskRulePatch {
  readonly action?: RiskAction;
  readonly condition?: RiskCondition;
  readonly appliesTo?: AppliesTo;
  readonly purpose?: RulePurpose;
  readonly enabled?: boolean;
  /** null or '' clears it. */
  readonly description?: string | null;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Applies `patch` to a live rule and validates the result; undefined when there is no such rule. */
export async function updateRiskRule(tx: Tx, nowMs: number, merchantId: string, id: string, patch: RiskRulePatch): Promise<RiskRule | undefined> {
  if (!RISK_RULE_ID_PATTERN.test(id)) return undefined;
  const row = await tx.get<RuleRow>(`SELECT ${COLUMNS} FROM acquirer_risk_rules WHERE id = ? AND merchant_id = ? AND deleted_at_ms IS NULL ${tx.forUpdate}`, [id, merchantId]);
  if (row === undefined) return undefined;
  const current = fromRow(row);
  const condition = patch.condition === undefined ? current.condition : normalizeCondition(patch.condition);
  const action = patch.action ?? current.action;
  checkActionFits(action, condition);
  const appliesTo = patch.appliesTo ?? current.appliesTo;
  checkAppliesTo(appliesTo);
  const purpose = patch.purpose ?? current.purpose;
  checkPurpose(purpose);
  const next: RiskRule = {
    ...current,
    action,
    condition,
    appliesTo,
    purpose,
    enabled: patch.enabled ?? current.enabled,
    description: patch.description === undefined ? current.description : normalizeDescription(patch.description),
    metadata: patch.metadata ?? current.metadata,
    updatedAtMs: nowMs,
  };
  await tx.run(
    `UPDATE acquirer_risk_rules SET action = ?, condition_kind = ?, condition_json = ?, applies_to = ?, purpose = ?, enabled = ?, description = ?, metadata_json = ?, updated_at_ms = ?
     WHERE id = ? AND merchant_id = ?`,
    [
      next.action,
      next.condition.kind,
      JSON.stringify(next.condition),
      next.appliesTo,
      next.purpose,
      next.enabled ? 1 : 0,
      next.description,
      JSON.stringify(next.metadata),
      nowMs,
      id,
      merchantId,
    ],
  );
  return next;
}

/** Deletes a live rule (keeping its row for traces); false when there is no such rule. */
export async function deleteRiskRule(tx: Tx, nowMs: number, merchantId: string, id: string): Promise<boolean> {
  if (!RISK_RULE_ID_PATTERN.test(id)) return false;
  const changed = await tx.run(
    'UPDATE acquirer_risk_rules SET deleted_at_ms = ?, updated_at_ms = ? WHERE id = ? AND merchant_id = ? AND deleted_at_ms IS NULL',
    [nowMs, nowMs, id, merchantId],
  );
  return changed === 1;
}
