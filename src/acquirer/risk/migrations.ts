import type { Migration } from '../../platform/db/migrations.ts';

/**
 * The merchant's risk rules, and every authorization attempt the rules saw.
 *
 * Rules: the condition is stored as the JSON the API shows (validated before
 * it is written); its kind has a column of its own so that an operator can
 * ask which merchants use which kind without parsing JSON. A deleted rule
 * keeps its row (`deleted_at_ms`), so a payment it blocked can still be
 * explained after the merchant removed it.
 *
 * Attempts: one row per pre-authorization evaluation, blocked or not, for
 * velocity rules (Radar counts blocked attempts too) and for traces (which
 * rule blocked which payment, before or after the issuer answered). Rows
 * older than the longest velocity window are pruned.
 */
export const riskMigrations: readonly Migration[] = [
  {
    id: 'acquirer-risk/001_rules_and_attempts',
    sql: `
CREATE TABLE acquirer_risk_rules (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES acquirer_merchants (id),
  action TEXT NOT NULL CHECK (action IN ('block', 'allow')),
  condition_kind TEXT NOT NULL CHECK (condition_kind IN ('card_country', 'card_funding', 'velocity', 'amount', 'avs', 'cvc', 'card_fingerprint')),
  condition_json TEXT NOT NULL,
  applies_to TEXT NOT NULL CHECK (applies_to IN ('all', 'customer_initiated', 'merchant_initiated')),
  purpose TEXT NOT NULL CHECK (purpose IN ('all', 'purchase', 'account_verification')),
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  description TEXT,
  metadata_json TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  deleted_at_ms BIGINT
);
CREATE INDEX acquirer_risk_rules_merchant ON acquirer_risk_rules (merchant_id, id);
CREATE TABLE acquirer_risk_attempts (
  id {{rowid}},
  merchant_id TEXT NOT NULL,
  payment_id TEXT NOT NULL,
  card_fingerprint TEXT NOT NULL,
  customer_id TEXT,
  initiator TEXT NOT NULL CHECK (initiator IN ('customer', 'merchant')),
  purpose TEXT NOT NULL CHECK (purpose IN ('purchase', 'account_verification')),
  attempted_at_ms BIGINT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('allowed', 'blocked')),
  phase TEXT CHECK (phase IN ('pre_authorization', 'post_authorization')),
  rule_id TEXT,
  reason TEXT,
  decline_code TEXT
);
CREATE INDEX acquirer_risk_attempts_card ON acquirer_risk_attempts (merchant_id, card_fingerprint, attempted_at_ms);
CREATE INDEX acquirer_risk_attempts_customer ON acquirer_risk_attempts (merchant_id, customer_id, attempted_at_ms);
CREATE INDEX acquirer_risk_attempts_payment ON acquirer_risk_attempts (merchant_id, payment_id);
CREATE INDEX acquirer_risk_attempts_age ON acquirer_risk_attempts (attempted_at_ms);
`,
  },
  {
    // A rule's payment scope (rule-types.ts PaymentScope): {"only_when": …, "except_when": …}; NULL for every payment, as before.
    id: 'acquirer-risk/002_payment_scope',
    sql: `
ALTER TABLE acquirer_risk_rules ADD COLUMN payment_scope_json TEXT;
`,
  },
  {
    // `name_check` rules (the issuer's account-name check). The kind's CHECK is part of the column, so the
    // table is rebuilt — the one way to change a CHECK that SQLite and PostgreSQL share — rows copied unchanged.
    id: 'acquirer-risk/003_name_check_rules',
    sql: `
CREATE TABLE acquirer_risk_rules_003 (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES acquirer_merchants (id),
  action TEXT NOT NULL CHECK (action IN ('block', 'allow')),
  condition_kind TEXT NOT NULL CHECK (condition_kind IN ('card_country', 'card_funding', 'velocity', 'amount', 'avs', 'cvc', 'name_check', 'card_fingerprint')),
  condition_json TEXT NOT NULL,
  applies_to TEXT NOT NULL CHECK (applies_to IN ('all', 'customer_initiated', 'merchant_initiated')),
  purpose TEXT NOT NULL CHECK (purpose IN ('all', 'purchase', 'account_verification')),
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  description TEXT,
  metadata_json TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  deleted_at_ms BIGINT,
  payment_scope_json TEXT
);
INSERT INTO acquirer_risk_rules_003 (id, merchant_id, action, condition_kind, condition_json, applies_to, purpose, enabled, description, metadata_json, created_at_ms, updated_at_ms, deleted_at_ms, payment_scope_json)
  SELECT id, merchant_id, action, condition_kind, condition_json, applies_to, purpose, enabled, description, metadata_json, created_at_ms, updated_at_ms, deleted_at_ms, payment_scope_json
  FROM acquirer_risk_rules;
DROP TABLE acquirer_risk_rules;
ALTER TABLE acquirer_risk_rules_003 RENAME TO acquirer_risk_rules;
CREATE INDEX acquirer_risk_rules_merchant ON acquirer_risk_rules (merchant_id, id);
`,
  },
];
