import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Foreign-currency authorizations (foreign-exchange.ts): the terms an
 * authorization was approved on (rate as a decimal string, fee in basis
 * points), kept for its whole life so that captures and refunds use the
 * authorization's rate, and its running totals in the payment's own
 * currency (the USD figures stay in issuer_authorizations). One row per
 * approved foreign authorization; USD ones have none.
 */
export const fxMigrations: readonly Migration[] = [
  {
    id: 'issuer/016_authorization_fx_terms',
    sql: `
CREATE TABLE issuer_authorization_fx (
  authorization_id TEXT PRIMARY KEY,
  currency TEXT NOT NULL,
  rate TEXT NOT NULL,
  fee_bps INTEGER NOT NULL CHECK (fee_bps >= 0),
  approved_minor BIGINT NOT NULL CHECK (approved_minor >= 0),
  consumed_minor BIGINT NOT NULL CHECK (consumed_minor >= 0 AND consumed_minor <= approved_minor),
  cleared_minor BIGINT NOT NULL CHECK (cleared_minor >= 0 AND cleared_minor <= consumed_minor),
  refunded_minor BIGINT NOT NULL CHECK (refunded_minor >= 0 AND refunded_minor <= cleared_minor),
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
`,
  },
];
