import type { Migration } from '../../platform/db/migrations.ts';

/**
 * The issuer's cards. What is deliberately absent: the PAN in clear (only
 * AES-256-GCM ciphertext with its key id, a keyed HMAC fingerprint for
 * look-ups and uniqueness, and the last four digits) and any CVV2 column
 * (CVV2 is derived from the keyring on demand, see card-secrets.ts).
 *
 * No foreign key to issuer_cardholders: like the money slice, the cardholder
 * id is an opaque reference, so the slices migrate independently.
 * Money is integer USD cents (`*_usd_minor`); lists are JSON arrays of
 * strings; times are epoch milliseconds.
 */
export const cardMigrations: readonly Migration[] = [
  {
    id: 'issuer/003_cards',
    sql: `
CREATE TABLE issuer_cards (
  id TEXT PRIMARY KEY,
  cardholder_id TEXT NOT NULL,
  pan_ciphertext TEXT NOT NULL,
  pan_kid TEXT NOT NULL,
  pan_fingerprint TEXT NOT NULL UNIQUE,
  last4 TEXT NOT NULL CHECK (length(last4) = 4),
  exp_month INTEGER NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
  exp_year INTEGER NOT NULL,
  cardholder_name TEXT NOT NULL,
  billing_line1 TEXT NOT NULL,
  billing_line2 TEXT,
  billing_city TEXT NOT NULL,
  billing_state TEXT NOT NULL,
  billing_postal_code TEXT NOT NULL,
  billing_country TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'frozen', 'closed')),
  limit_per_transaction_usd_minor BIGINT CHECK (limit_per_transaction_usd_minor > 0),
  limit_per_day_usd_minor BIGINT CHECK (limit_per_day_usd_minor > 0),
  limit_per_month_usd_minor BIGINT CHECK (limit_per_month_usd_minor > 0),
  mcc_allow TEXT NOT NULL DEFAULT '[]',
  mcc_block TEXT NOT NULL DEFAULT '[]',
  country_allow TEXT NOT NULL DEFAULT '[]',
  country_block TEXT NOT NULL DEFAULT '[]',
  max_accounts_per_merchant INTEGER NOT NULL DEFAULT 4 CHECK (max_accounts_per_merchant BETWEEN 1 AND 20),
  opening_fee_usd_minor BIGINT NOT NULL CHECK (opening_fee_usd_minor >= 0),
  opening_fee_transfer_id TEXT,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  frozen_at_ms BIGINT,
  closed_at_ms BIGINT
);
CREATE INDEX issuer_cards_cardholder ON issuer_cards (cardholder_id, created_at_ms);
`,
  },
  {
    // The network's payment account reference of each card (card-par.ts): what an acquirer's records of the
    // card are matched by, with no number. Nullable: cards opened before it get theirs from the start-up
    // backfill (card-par-backfill.ts), which the index also serves (`IS NULL`).
    id: 'issuer/004_card_payment_account_reference',
    sql: `
ALTER TABLE issuer_cards ADD COLUMN payment_account_reference TEXT;
CREATE INDEX issuer_cards_par ON issuer_cards (payment_account_reference);
`,
  },
];
