import type { Migration } from '../../platform/db/migrations.ts';

/**
 * The people of an organization who use the billing page: members (an
 * e-mail address and a role), the one-time codes they sign in with (the
 * platform's OTP rules, `platform/identity/`, over billing's own table), their
 * session tokens (SHA-256 only, like every bearer secret here) and the
 * sandbox mailbox the sign-in letters land in. Sign-in letters are kept
 * apart from the organization's notifications on purpose: those are
 * readable by every key holder and member, a sign-in code only by its
 * addressee (and the sandbox operator).
 */
export const memberMigrations: readonly Migration[] = [
  {
    id: 'billing/006_members',
    sql: `
CREATE TABLE billing_members (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  -- Normalized (trimmed, lower case): see members.ts normalizeEmail.
  email TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
  created_at_ms BIGINT NOT NULL,
  UNIQUE (org_id, email)
);
CREATE INDEX billing_members_email ON billing_members (email);
CREATE TABLE billing_member_codes (
  id {{serial}},
  email TEXT NOT NULL,
  -- HMAC-SHA256 under the billing members' pepper (otp.ts hashCode); never the code.
  code_hash TEXT NOT NULL,
  client_address TEXT NOT NULL,
  sent_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  locked_at_ms BIGINT,
  consumed_at_ms BIGINT,
  -- A newer code for the same address replaced this one.
  voided_at_ms BIGINT
);
CREATE INDEX billing_member_codes_email ON billing_member_codes (email, sent_at_ms);
CREATE INDEX billing_member_codes_address ON billing_member_codes (client_address, sent_at_ms);
CREATE TABLE billing_member_sessions (
  id TEXT PRIMARY KEY,
  member_id TEXT NOT NULL REFERENCES billing_members (id),
  -- SHA-256 of the bearer token, hex.
  token_hash TEXT NOT NULL UNIQUE,
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  revoked_at_ms BIGINT
);
CREATE INDEX billing_member_sessions_member ON billing_member_sessions (member_id);
CREATE TABLE billing_member_mail (
  id TEXT PRIMARY KEY,
  to_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at_ms BIGINT NOT NULL
);
CREATE INDEX billing_member_mail_to ON billing_member_mail (to_address, received_at_ms);
`,
  },
  {
    // Who made each API key (member-keys.ts): the member's id, to revoke the member's keys in the transaction that removes the
    // member, and the address as it was, so the owners still see whose a key was after the member is gone. NULL: made before
    // this column, or by Cardlane itself (an organization's first key, the demo's key) — shown as "unknown", never revoked by
    // a removal. And invitations (member-choice.ts): `last_chosen_at_ms` is when the person last signed in to the organization
    // by choice; NULL is an invitation nobody accepted, which is never anyone's default organization. Members from before it
    // count as having chosen the organization when they have signed in to it at least once.
    id: 'billing/071_key_makers_and_invitations',
    sql: `
ALTER TABLE billing_api_keys ADD COLUMN created_by_member_id TEXT;
ALTER TABLE billing_api_keys ADD COLUMN created_by_email TEXT;
CREATE INDEX billing_api_keys_maker ON billing_api_keys (org_id, created_by_member_id) WHERE created_by_member_id IS NOT NULL;
ALTER TABLE billing_members ADD COLUMN last_chosen_at_ms BIGINT;
UPDATE billing_members SET last_chosen_at_ms = (SELECT MAX(s.created_at_ms) FROM billing_member_sessions s WHERE s.member_id = billing_members.id);
`,
  },
];
