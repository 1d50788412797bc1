import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Balance transactions: one row per movement of a merchant's balance in the
 * acquirer's book, written in the transaction of the ledger posting(s) it
 * describes, so the two never disagree. The ledger keeps the money; this
 * table gives each movement Stripe's id (`txn_…`, sorting by creation, the
 * list cursor), type and source. `ledger_transfer_id` is the posting's id:
 * unique, so a retried posting (the ledger answers `exists`) records nothing
 * twice. Amounts are signed from the merchant's side, in minor units.
 */
export const balanceMigrations: readonly Migration[] = [
  {
    id: 'acquirer/040_balance_transactions',
    sql: `
CREATE TABLE acquirer_balance_transactions (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  ledger_transfer_id TEXT NOT NULL UNIQUE,
  currency TEXT NOT NULL,
  amount_minor BIGINT NOT NULL,
  fee_minor BIGINT NOT NULL,
  fee_description TEXT,
  type TEXT NOT NULL,
  reporting_category TEXT NOT NULL,
  source_id TEXT NOT NULL,
  description TEXT,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX acquirer_balance_transactions_merchant ON acquirer_balance_transactions (merchant_id, id);
CREATE INDEX acquirer_balance_transactions_source ON acquirer_balance_transactions (merchant_id, source_id);
`,
  },
];
