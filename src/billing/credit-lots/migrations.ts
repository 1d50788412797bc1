import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Credit lots: each grant (a purchase, a recharge, a promotion) is a lot with
 * its own expiry, spent oldest-expiry-first. The ledger's credit account is
 * still the one balance that guards against overspending; the lots say which
 * grant each of its cents came from, so a lot can expire and a refund can take
 * back its own purchase's credits. Invariant (credit-lots.ts): the lots'
 * remaining amounts add up to the credit account's posted balance.
 */
export const creditLotMigrations: readonly Migration[] = [
  {
    id: 'billing/012_credit_lots',
    sql: `
CREATE TABLE billing_credit_lots (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  reason TEXT NOT NULL,
  granted_minor BIGINT NOT NULL CHECK (granted_minor > 0),
  remaining_minor BIGINT NOT NULL CHECK (remaining_minor >= 0 AND remaining_minor <= granted_minor),
  expired_minor BIGINT NOT NULL DEFAULT 0 CHECK (expired_minor >= 0),
  currency TEXT NOT NULL,
  granted_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT
);
CREATE INDEX billing_credit_lots_org ON billing_credit_lots (org_id, expires_at_ms);
CREATE INDEX billing_credit_lots_due ON billing_credit_lots (expires_at_ms, remaining_minor);
`,
  },
];
