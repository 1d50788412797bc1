import type { Migration } from '../../platform/db/migrations.ts';

/**
 * The operator console's tables and indexes: its sessions (an operator key
 * exchanged for a browser cookie, operator-sessions.ts) and the orders the
 * operator's queues read newest first, each by (time, id) — the keyset
 * their cursors page on — so a page costs an index range, never a sort of
 * the whole table.
 */
export const operationsMigrations: readonly Migration[] = [
  {
    id: 'issuer/070_operator_console',
    sql: `
CREATE TABLE issuer_operator_sessions (
  id TEXT PRIMARY KEY,
  operator_key_id TEXT NOT NULL REFERENCES issuer_operator_keys (id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  revoked_at_ms BIGINT
);
CREATE INDEX issuer_operator_sessions_key ON issuer_operator_sessions (operator_key_id);
CREATE INDEX issuer_kyc_verifications_queue ON issuer_kyc_verifications (status, created_at_ms, id);
CREATE INDEX issuer_kyc_verifications_recent ON issuer_kyc_verifications (created_at_ms, id);
CREATE INDEX issuer_topup_orders_queue ON issuer_topup_orders (status, created_at_ms, id);
CREATE INDEX issuer_topup_orders_recent ON issuer_topup_orders (created_at_ms, id);
CREATE INDEX issuer_withdrawals_recent ON issuer_withdrawals (created_at_ms, id);
CREATE INDEX issuer_disputes_queue ON issuer_disputes (status, created_at_ms, id);
CREATE INDEX issuer_disputes_recent ON issuer_disputes (created_at_ms, id);
`,
  },
];
