import type { Migration } from '../../platform/db/migrations.ts';

/**
 * The issuer's money tables. No foreign keys to the identity tables: the
 * cardholder id is an opaque reference here (the KYC gate is the only place
 * that asks identity about it), so the two slices migrate independently.
 */
export const moneyMigrations: readonly Migration[] = [
  {
    id: 'issuer/002_money',
    sql: `
-- Append-only: the current value of a setting is its newest row.
CREATE TABLE issuer_money_settings (
  seq {{serial}},
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  changed_at_ms BIGINT NOT NULL
);
CREATE INDEX issuer_money_settings_name ON issuer_money_settings (name, seq);

-- A quote is what the cardholder was shown; an order copies it, so a later
-- rate or fee change never touches a quote already given.
CREATE TABLE issuer_topup_quotes (
  id TEXT PRIMARY KEY,
  cardholder_id TEXT NOT NULL,
  cny_amount_minor BIGINT NOT NULL CHECK (cny_amount_minor > 0),
  fee_cny_minor BIGINT NOT NULL CHECK (fee_cny_minor >= 0),
  rate TEXT NOT NULL,
  usd_amount_minor BIGINT NOT NULL CHECK (usd_amount_minor > 0),
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL
);

CREATE TABLE issuer_topup_orders (
  id TEXT PRIMARY KEY,
  cardholder_id TEXT NOT NULL,
  quote_id TEXT NOT NULL UNIQUE,
  cny_amount_minor BIGINT NOT NULL,
  fee_cny_minor BIGINT NOT NULL,
  rate TEXT NOT NULL,
  usd_amount_minor BIGINT NOT NULL,
  status TEXT NOT NULL,
  provider_trade_no TEXT,
  pay_url TEXT,
  qr_payload TEXT,
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  paid_at_ms BIGINT,
  credited_at_ms BIGINT,
  expired_at_ms BIGINT,
  closed_at_ms BIGINT,
  failed_at_ms BIGINT,
  refund_requested_at_ms BIGINT,
  refunded_at_ms BIGINT,
  provider_refund_id TEXT,
  updated_at_ms BIGINT NOT NULL
);
CREATE INDEX issuer_topup_orders_cardholder ON issuer_topup_orders (cardholder_id, created_at_ms);
CREATE INDEX issuer_topup_orders_status ON issuer_topup_orders (status, expires_at_ms);

-- Every state change of an order, with its time and why.
CREATE TABLE issuer_topup_order_events (
  seq {{serial}},
  order_id TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  reason TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX issuer_topup_order_events_order ON issuer_topup_order_events (order_id, seq);

CREATE TABLE issuer_withdrawals (
  id TEXT PRIMARY KEY,
  cardholder_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  amount_usd_minor BIGINT NOT NULL CHECK (amount_usd_minor > 0),
  fee_usd_minor BIGINT NOT NULL CHECK (fee_usd_minor >= 0),
  payout_usd_minor BIGINT NOT NULL CHECK (payout_usd_minor > 0),
  rate TEXT NOT NULL,
  payout_cny_minor BIGINT NOT NULL,
  status TEXT NOT NULL,
  provider_payout_id TEXT,
  failure_reason TEXT,
  created_at_ms BIGINT NOT NULL,
  paid_at_ms BIGINT,
  failed_at_ms BIGINT,
  updated_at_ms BIGINT NOT NULL,
  UNIQUE (cardholder_id, request_id)
);
CREATE INDEX issuer_withdrawals_status ON issuer_withdrawals (status, created_at_ms);
`,
  },
];
