import type { Migration } from '../../platform/db/migrations.ts';

/**
 * 3-D Secure at Cardlane's issuer (access-control-server.ts): one row per
 * authentication the network routed here, keyed by the acquirer's id (a
 * repeat finds it). The one-time code is kept as its peppered hash only;
 * the authentication value is handed out once the challenge passes and is
 * consumed by the one authorization that carries it (`used_by_request_id`).
 * `cvv2_checked_request_id`: the authorization this issuer answered 1A for
 * the same card, merchant and amount with its CVV2 matched — the retry
 * carrying the value need not carry the CVV2 again (the acquirer no longer
 * has it: a CVC is used once).
 * Card data: the card's id and last four, never its number.
 */
export const authenticationMigrations: readonly Migration[] = [
  {
    id: 'issuer/060_authentications',
    sql: `
CREATE TABLE issuer_authentications (
  id TEXT PRIMARY KEY,
  card_id TEXT NOT NULL,
  cardholder_id TEXT NOT NULL,
  card_last4 TEXT NOT NULL,
  purpose TEXT NOT NULL,
  acquirer_id TEXT NOT NULL,
  merchant_id TEXT NOT NULL,
  merchant_name TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
  notification_url TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('challenge', 'authenticated', 'failed', 'expired')),
  reason TEXT NOT NULL,
  auth_value TEXT,
  code_hash TEXT,
  code_sent_at_ms BIGINT,
  code_expires_at_ms BIGINT,
  codes_sent INTEGER NOT NULL DEFAULT 0 CHECK (codes_sent >= 0),
  wrong_codes INTEGER NOT NULL DEFAULT 0 CHECK (wrong_codes >= 0),
  used_by_request_id TEXT,
  cvv2_checked_request_id TEXT,
  expires_at_ms BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE INDEX issuer_authentications_card ON issuer_authentications (card_id, created_at_ms);
`,
  },
  {
    // A challenge's own id (`chl_…`), its page's handle: the authentication's id is the acquirer's `ch_….3ds`,
    // which reads as a charge or a cardholder. Rows from before keep none and are found by their id.
    id: 'issuer/061_authentication_challenge_ids',
    sql: `
ALTER TABLE issuer_authentications ADD COLUMN challenge_id TEXT;
CREATE UNIQUE INDEX issuer_authentications_challenge ON issuer_authentications (challenge_id);
`,
  },
];
