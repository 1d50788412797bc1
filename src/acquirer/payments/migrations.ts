import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Payment methods (the vault's sealed card numbers, never CVC), setup
 * intents, payment intents, charges (one per authorization attempt, as at
 * Stripe) and refunds. Amounts are integer minor units with their currency;
 * times are epoch ms; JSON columns hold objects the API returns as they are
 * (last errors, outcomes, checks, metadata).
 */
export const paymentMigrations: readonly Migration[] = [
  {
    id: 'acquirer/010_payments',
    sql: `
CREATE TABLE acquirer_payment_methods (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  customer_id TEXT,
  pan_sealed TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  bin TEXT NOT NULL,
  last4 TEXT NOT NULL,
  brand TEXT NOT NULL,
  country TEXT,
  funding TEXT NOT NULL,
  exp_month INTEGER NOT NULL,
  exp_year INTEGER NOT NULL,
  billing_details TEXT NOT NULL,
  checks TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  attached_at_ms BIGINT,
  detached_at_ms BIGINT
);
CREATE INDEX acquirer_payment_methods_customer ON acquirer_payment_methods (merchant_id, customer_id, id);
CREATE TABLE acquirer_setup_intents (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  customer_id TEXT,
  payment_method_id TEXT,
  usage TEXT NOT NULL,
  status TEXT NOT NULL,
  latest_attempt_id TEXT,
  last_setup_error TEXT,
  description TEXT,
  metadata TEXT NOT NULL,
  client_secret TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  canceled_at_ms BIGINT,
  cancellation_reason TEXT
);
CREATE INDEX acquirer_setup_intents_merchant ON acquirer_setup_intents (merchant_id, id);
CREATE TABLE acquirer_payment_intents (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  customer_id TEXT,
  payment_method_id TEXT,
  capture_method TEXT NOT NULL,
  setup_future_usage TEXT,
  status TEXT NOT NULL,
  amount_capturable_minor BIGINT NOT NULL DEFAULT 0,
  amount_received_minor BIGINT NOT NULL DEFAULT 0,
  latest_charge_id TEXT,
  last_payment_error TEXT,
  description TEXT,
  metadata TEXT NOT NULL,
  client_secret TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  canceled_at_ms BIGINT,
  cancellation_reason TEXT
);
CREATE INDEX acquirer_payment_intents_merchant ON acquirer_payment_intents (merchant_id, id);
CREATE INDEX acquirer_payment_intents_customer ON acquirer_payment_intents (merchant_id, customer_id, id);
CREATE TABLE acquirer_charges (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  payment_intent_id TEXT,
  setup_intent_id TEXT,
  purpose TEXT NOT NULL,
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  customer_id TEXT,
  payment_method_id TEXT NOT NULL,
  initiator TEXT NOT NULL,
  network_id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  authorized INTEGER NOT NULL DEFAULT 0,
  amount_authorized_minor BIGINT NOT NULL DEFAULT 0,
  amount_captured_minor BIGINT NOT NULL DEFAULT 0,
  amount_refunded_minor BIGINT NOT NULL DEFAULT 0,
  authorization_open INTEGER NOT NULL DEFAULT 0,
  outcome TEXT,
  checks TEXT,
  failure_code TEXT,
  failure_message TEXT,
  decline_code TEXT,
  network_response_code TEXT,
  issuer_authorization_id TEXT,
  blocked_by_rule TEXT,
  created_at_ms BIGINT NOT NULL,
  captured_at_ms BIGINT
);
CREATE INDEX acquirer_charges_intent ON acquirer_charges (payment_intent_id, id);
CREATE INDEX acquirer_charges_merchant ON acquirer_charges (merchant_id, id);
CREATE TABLE acquirer_refunds (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  charge_id TEXT NOT NULL,
  payment_intent_id TEXT,
  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  network_id TEXT NOT NULL UNIQUE,
  failure_reason TEXT,
  metadata TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX acquirer_refunds_merchant ON acquirer_refunds (merchant_id, id);
CREATE INDEX acquirer_refunds_charge ON acquirer_refunds (charge_id);
`,
  },
  {
    // The network's payment account reference of each vaulted card (see src/network/payment-account-reference.ts):
    // the link to the issuer's card without the number. Nullable: rows vaulted before it get theirs from the
    // start-up backfill (payment-method-par-backfill.ts), which the index also serves (`IS NULL`).
    id: 'acquirer/011_payment_method_payment_account_reference',
    sql: `
ALTER TABLE acquirer_payment_methods ADD COLUMN payment_account_reference TEXT;
CREATE INDEX acquirer_payment_methods_par ON acquirer_payment_methods (payment_account_reference);
`,
  },
  {
    // Card numbers sealed before the vault had subkeys (`v1:`; cards/vault.ts): the start-up re-key
    // (vault-rekey.ts) walks exactly these rows, so a start with none left reads nothing.
    id: 'acquirer/012_payment_method_legacy_seal',
    sql: `
CREATE INDEX acquirer_payment_methods_legacy_seal ON acquirer_payment_methods (id) WHERE substr(pan_sealed, 1, 3) = 'v1:';
`,
  },
  {
    // The stored credential (card-attempt.ts): the network id of the card's first approval at this merchant with its
    // CVV2 matched, sent with every later payment that has no CVV2. Cards saved before it get the earliest authorized
    // charge whose CVC check passed; the issuer verifies the reference itself, so a wrong guess here only declines.
    id: 'acquirer/013_payment_method_stored_credential',
    sql: `
ALTER TABLE acquirer_payment_methods ADD COLUMN stored_credential_network_id TEXT;
UPDATE acquirer_payment_methods SET stored_credential_network_id = (
  SELECT c.network_id FROM acquirer_charges c
   WHERE c.payment_method_id = acquirer_payment_methods.id AND c.authorized = 1 AND c.checks LIKE '%"cvc_check":"pass"%'
   ORDER BY c.created_at_ms, c.id LIMIT 1
);
`,
  },
  {
    // The capture or incremental authorization an intent has in flight at the network (see network-step.ts):
    // recorded under the intent's lock before the message goes out, so concurrent or retried requests find it.
    id: 'acquirer/014_payment_intent_network_step',
    sql: `
ALTER TABLE acquirer_payment_intents ADD COLUMN network_steps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE acquirer_payment_intents ADD COLUMN step_kind TEXT CHECK (step_kind IN ('capture', 'increment'));
ALTER TABLE acquirer_payment_intents ADD COLUMN step_amount_minor BIGINT;
ALTER TABLE acquirer_payment_intents ADD COLUMN step_message_id TEXT;
ALTER TABLE acquirer_payment_intents ADD COLUMN step_started_at_ms BIGINT;
`,
  },
  {
    // Card tokens (POST /v1/tokens): the card sealed until its one use makes a payment method.
    id: 'acquirer/015_card_tokens',
    sql: `
CREATE TABLE acquirer_card_tokens (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  pan_sealed TEXT NOT NULL,
  exp_month INTEGER NOT NULL,
  exp_year INTEGER NOT NULL,
  billing_details TEXT NOT NULL,
  client_ip TEXT,
  created_at_ms BIGINT NOT NULL,
  used_at_ms BIGINT
);
`,
  },
  {
    // When a verification's hold is due to be released (card-verification.ts): its approval time for holds released
    // at once (the sweep's grace is added when sweeping), later for a merchant that keeps them, NULL for never.
    // Verifications made before this were all released at once.
    id: 'acquirer/016_verification_hold_release_at',
    sql: `
ALTER TABLE acquirer_charges ADD COLUMN hold_release_at_ms BIGINT;
UPDATE acquirer_charges SET hold_release_at_ms = created_at_ms WHERE purpose = 'account_verification';
CREATE INDEX acquirer_charges_hold_release ON acquirer_charges (hold_release_at_ms) WHERE authorization_open = 1 AND purpose = 'account_verification';
`,
  },
  {
    // 3-D Secure (payment-authentication.ts): the authentication an intent in requires_action waits for, the page the
    // customer is sent to, and where Stripe sends them back (return_url). Looked up by authentication id on return.
    id: 'acquirer/017_payment_intent_authentication',
    sql: `
ALTER TABLE acquirer_payment_intents ADD COLUMN return_url TEXT;
ALTER TABLE acquirer_payment_intents ADD COLUMN authentication_id TEXT;
ALTER TABLE acquirer_payment_intents ADD COLUMN authentication_url TEXT;
ALTER TABLE acquirer_payment_intents ADD COLUMN authentication_expires_at_ms BIGINT;
CREATE INDEX acquirer_payment_intents_authentication ON acquirer_payment_intents (authentication_id);
`,
  },
  {
    // 3-D Secure for set-ups (setup-intents.ts): as for payment intents, the authentication a set-up in requires_action
    // waits for, the issuer's page, and the merchant's return_url.
    id: 'acquirer/018_setup_intent_authentication',
    sql: `
ALTER TABLE acquirer_setup_intents ADD COLUMN return_url TEXT;
ALTER TABLE acquirer_setup_intents ADD COLUMN authentication_id TEXT;
ALTER TABLE acquirer_setup_intents ADD COLUMN authentication_url TEXT;
ALTER TABLE acquirer_setup_intents ADD COLUMN authentication_expires_at_ms BIGINT;
CREATE INDEX acquirer_setup_intents_authentication ON acquirer_setup_intents (authentication_id);
`,
  },
  {
    // A set-up's claim (setup-intent-flow.ts): when the confirm or continuation that took it into `processing` did,
    // so a finish checks it still holds the set-up and the sweep finishes claims grown old (a confirm cut short).
    // Set-ups already `processing` were left so by a continuation cut short: swept as claimed when created.
    id: 'acquirer/019_setup_intent_claim',
    sql: `
ALTER TABLE acquirer_setup_intents ADD COLUMN claimed_at_ms BIGINT;
UPDATE acquirer_setup_intents SET claimed_at_ms = created_at_ms WHERE status = 'processing';
CREATE INDEX acquirer_setup_intents_claimed ON acquirer_setup_intents (claimed_at_ms) WHERE status = 'processing';
`,
  },
  {
    // The sweeps' ways in (test/app/query-plans.test.ts): each background sweep looks for intents or refunds in one
    // state — payments left processing, challenges abandoned, authorizations past their capture window, refunds the
    // network did not take — and without these read every row ever made, every few seconds, in order of id. A partial
    // index holds only the rows in that state, so a sweep costs what it finds, not what the table has grown to.
    id: 'acquirer/053_sweep_indexes',
    sql: `
CREATE INDEX acquirer_payment_intents_processing ON acquirer_payment_intents (id) WHERE status = 'processing';
CREATE INDEX acquirer_payment_intents_requires_action ON acquirer_payment_intents (id) WHERE status = 'requires_action';
CREATE INDEX acquirer_payment_intents_requires_capture ON acquirer_payment_intents (id) WHERE status = 'requires_capture';
CREATE INDEX acquirer_setup_intents_requires_action ON acquirer_setup_intents (id) WHERE status = 'requires_action';
CREATE INDEX acquirer_refunds_pending ON acquirer_refunds (id) WHERE status = 'pending';
`,
  },
  {
    // Stripe's payment_method_details.card.three_d_secure (charge-store.ts): the 3-D Secure result an attempt carried
    // to the network (flow, result, ECI, version), as JSON; NULL for an attempt that carried none.
    id: 'acquirer/054_charge_three_d_secure',
    sql: `
ALTER TABLE acquirer_charges ADD COLUMN three_d_secure TEXT;
`,
  },
  {
    // Stripe's automatic_payment_methods as the intent's create sent it (automatic-payment-methods.ts): enabled 1 or 0
    // and allow_redirects; NULL enabled for an intent created without it (shown as null). Intents made before had none.
    id: 'acquirer/055_intent_automatic_payment_methods',
    sql: `
ALTER TABLE acquirer_payment_intents ADD COLUMN automatic_payment_methods_enabled INTEGER CHECK (automatic_payment_methods_enabled IN (0, 1));
ALTER TABLE acquirer_payment_intents ADD COLUMN automatic_payment_methods_allow_redirects TEXT CHECK (automatic_payment_methods_allow_redirects IN ('always', 'never'));
ALTER TABLE acquirer_setup_intents ADD COLUMN automatic_payment_methods_enabled INTEGER CHECK (automatic_payment_methods_enabled IN (0, 1));
ALTER TABLE acquirer_setup_intents ADD COLUMN automatic_payment_methods_allow_redirects TEXT CHECK (automatic_payment_methods_allow_redirects IN ('always', 'never'));
`,
  },
];
