import type { Migration } from '../../platform/db/migrations.ts';

/**
 * The issuer's identity tables. Secrets are never stored in clear: one-time
 * codes, session tokens and operator keys are kept as hashes only. The one
 * exception is the sandbox SMS inbox, which holds what a phone would have
 * received (it stands in for the phone network; a real provider keeps nothing).
 *
 * Times are epoch milliseconds (`*_at_ms`); booleans are 0/1.
 */
export const identityMigrations: readonly Migration[] = [
  {
    id: 'issuer/001_identity',
    sql: `
      CREATE TABLE issuer_cardholders (
        id TEXT PRIMARY KEY,
        phone_e164 TEXT NOT NULL UNIQUE,
        kyc_status TEXT NOT NULL DEFAULT 'not_started'
          CHECK (kyc_status IN ('not_started', 'pending', 'approved', 'rejected')),
        kyc_reason TEXT,
        invite_code TEXT NOT NULL UNIQUE,
        referred_by TEXT REFERENCES issuer_cardholders (id),
        opening_fee_waived INTEGER NOT NULL DEFAULT 0 CHECK (opening_fee_waived IN (0, 1)),
        -- Set by the cards slice when the first card opens; an invite code is refused after it.
        first_card_at_ms BIGINT,
        created_at_ms BIGINT NOT NULL
      );

      CREATE TABLE issuer_otp_codes (
        id {{serial}},
        phone_e164 TEXT NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('sign_in', 'reveal_card')),
        -- HMAC-SHA256 under the keyring's otpPepper (otp.ts); never the code.
        code_hash TEXT NOT NULL,
        client_address TEXT NOT NULL,
        sent_at_ms BIGINT NOT NULL,
        expires_at_ms BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        locked_at_ms BIGINT,
        consumed_at_ms BIGINT,
        -- A newer code for the same phone and purpose replaced this one.
        voided_at_ms BIGINT
      );
      CREATE INDEX issuer_otp_codes_phone ON issuer_otp_codes (phone_e164, sent_at_ms);
      CREATE INDEX issuer_otp_codes_address ON issuer_otp_codes (client_address, sent_at_ms);

      CREATE TABLE issuer_sms_messages (
        id TEXT PRIMARY KEY,
        phone_e164 TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL
      );
      CREATE INDEX issuer_sms_messages_phone ON issuer_sms_messages (phone_e164, created_at_ms);

      CREATE TABLE issuer_sessions (
        id TEXT PRIMARY KEY,
        cardholder_id TEXT NOT NULL REFERENCES issuer_cardholders (id),
        -- SHA-256 of the bearer token, hex.
        token_hash TEXT NOT NULL UNIQUE,
        created_at_ms BIGINT NOT NULL,
        expires_at_ms BIGINT NOT NULL,
        revoked_at_ms BIGINT
      );
      CREATE INDEX issuer_sessions_cardholder ON issuer_sessions (cardholder_id);

      CREATE TABLE issuer_operator_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        -- SHA-256 of the key, hex.
        key_hash TEXT NOT NULL UNIQUE,
        -- The first characters of the key, so a person can tell keys apart.
        key_prefix TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        revoked_at_ms BIGINT
      );

      CREATE TABLE issuer_kyc_verifications (
        id TEXT PRIMARY KEY,
        cardholder_id TEXT NOT NULL REFERENCES issuer_cardholders (id),
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        reason TEXT,
        provider TEXT NOT NULL,
        provider_reference TEXT NOT NULL,
        qr_payload TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        completed_at_ms BIGINT
      );
      CREATE INDEX issuer_kyc_verifications_cardholder ON issuer_kyc_verifications (cardholder_id, created_at_ms);

      CREATE TABLE issuer_referrals (
        referee_id TEXT PRIMARY KEY REFERENCES issuer_cardholders (id),
        referrer_id TEXT NOT NULL REFERENCES issuer_cardholders (id),
        invite_code TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL
      );
      CREATE INDEX issuer_referrals_referrer ON issuer_referrals (referrer_id);
    `,
  },
  {
    // The cardholder's own billing address, what AVS checks (cardholder-address.ts); null: the program's, as before.
    id: 'issuer/012_cardholder_billing_address',
    sql: `ALTER TABLE issuer_cardholders ADD COLUMN billing_address TEXT;`,
  },
  {
    // A rejection carries a reason code (kyc-reasons.ts) and an operator-only note. Rows from before keep their
    // free text in `reason` (what the cardholder was shown, and still is) and read as `other`; new rejections
    // leave `reason` NULL. The cardholder's `kyc_reason` becomes the code of their latest rejection: its
    // free text was a copy of that verification's, which keeps it. No CHECK on the code: the list may grow and
    // SQLite cannot change a CHECK in place; a code this version does not know reads as `other`.
    id: 'issuer/013_kyc_reason_codes',
    sql: `
      ALTER TABLE issuer_kyc_verifications ADD COLUMN reason_code TEXT;
      ALTER TABLE issuer_kyc_verifications ADD COLUMN internal_note TEXT;
      UPDATE issuer_kyc_verifications SET reason_code = 'other' WHERE status = 'rejected';
      UPDATE issuer_cardholders SET kyc_reason = 'other' WHERE kyc_status = 'rejected';
    `,
  },
];
