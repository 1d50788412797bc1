import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { readDemoCredentialsSection, writeDemoCredentialsSection } from '../platform/demo-credentials-file.ts';
import type { IdGenerator, RandomSource } from '../platform/ids.ts';
import { randomKeySecret } from '../platform/secret-file.ts';
import { addApiKey, createMerchant, getDemoMerchant } from './merchants/merchants.ts';
import type { VerificationHoldRelease } from './merchants/verification-hold-release.ts';
import { backfillPaymentMethodPars, type ParBackfillResult } from './payments/payment-method-par-backfill.ts';
import { BLOCK_PREPAID_ON_CUSTOMER_INITIATED_EXCEPT_PLUS } from './risk/presets.ts';
import { createRiskRule } from './risk/risk-rules.ts';

export const VAULT_KEY_FILE_NAME = 'acquirer-vault-key';
export { DEMO_CREDENTIALS_FILE_NAME } from '../platform/demo-credentials-file.ts';
/** The demo merchant's verification hold when a card is added: the seed's $5.00 … */
export const DEMO_VERIFICATION_HOLD_MINOR = 500;
/**
 * … kept for 6 hours, as many API businesses keep theirs: the hold is still
 * on the card when the first auto-recharge runs, which is why the seed says
 * to keep the $10 recharge plus the $5 hold (shorter than the issuer's 12-hour
 * idle sign-out, so the demo story's cardholder is still signed in when it is released).
 */
export const DEMO_VERIFICATION_HOLD_RELEASE: VerificationHoldRelease = { kind: 'after_hours', hours: 6 };

/** The demo merchant's keys as `cardlane demo credentials` prints them. Keys are stored hashed, so this file is where they live. */
export interface DemoAcquirerCredentials {
  readonly merchant_id: string;
  readonly merchant_name: string;
  readonly secret_key: string;
  readonly publishable_key: string;
}

/**
 * The acquirer's vault key (32 random bytes), one per deployment in the
 * secret store, so a card saved through one process is charged through
 * another; older Cardlanes kept it in `<dataDir>/acquirer-vault-key`, from
 * where it is imported once. Losing it makes saved cards unusable, as losing
 * a real vault's key would.
 */
export const VAULT_KEY_SECRET = randomKeySecret('acquirer.vault-key', 32, VAULT_KEY_FILE_NAME);

/**
 * What the acquirer does at every start before taking requests: gives
 * payment methods vaulted before PARs their card account's PAR (idempotent,
 * in bounded batches; see payment-method-par-backfill.ts).
 */
export async function prepareAcquirer(db: Database, vaultKey: Buffer, paymentAccountReference: (pan: string) => string | null): Promise<ParBackfillResult> {
  return backfillPaymentMethodPars(db, vaultKey, paymentAccountReference);
}

/**
 * The demo merchant `cardlane up` creates on first start — an API business
 * configured like the seed's (a $5.00 verification hold when a card is
 * added, kept for 6 hours; it refuses prepaid cards on customer-initiated purchases except the Plus subscription) — and its
 * keys in `<dataDir>/demo-credentials.json`. If the file was deleted, the
 * merchant gets a fresh key pair and the file is rewritten (the old keys
 * keep working: keys are only ever added here).
 */
export async function prepareDemoMerchant(
  db: Database,
  runtime: { readonly clock: Clock; readonly ids: IdGenerator; readonly random: RandomSource },
  dataDir: string,
): Promise<DemoAcquirerCredentials> {
  const { ids } = runtime;
  const deps = { ids, random: runtime.random, nowMs: runtime.clock.nowMs() };
  const existing = await getDemoMerchant(db);
  if (existing !== undefined) {
    const saved = readDemoCredentials(dataDir);
    if (saved !== null && saved.merchant_id === existing.id) return saved;
  }
  const credentials = await db.transaction(async (tx): Promise<DemoAcquirerCredentials> => {
    const merchant = existing ?? (await getDemoMerchant(tx));
    if (merchant !== undefined) {
      return {
        merchant_id: merchant.id,
        merchant_name: merchant.name,
        secret_key: await addApiKey(tx, deps, merchant.id, 'secret'),
        publishable_key: await addApiKey(tx, deps, merchant.id, 'publishable'),
      };
    }
    const created = await createMerchant(tx, deps, {
      name: 'Acme AI',
      statementDescriptor: 'ACME AI API',
      mcc: '5734',
      country: 'US',
      cardVerificationAmountMinor: DEMO_VERIFICATION_HOLD_MINOR,
      verificationHoldRelease: DEMO_VERIFICATION_HOLD_RELEASE,
      isDemo: true,
    });
    // Plus is exempt: its first payment is customer-initiated, and the seed's prepaid card must be able to start it.
    await createRiskRule(tx, { ids, nowMs: deps.nowMs }, created.merchant.id, BLOCK_PREPAID_ON_CUSTOMER_INITIATED_EXCEPT_PLUS);
    return { merchant_id: created.merchant.id, merchant_name: created.merchant.name, secret_key: created.secretKey, publishable_key: created.publishableKey };
  });
  writeDemoCredentialsSection(dataDir, 'acquirer', credentials);
  return credentials;
}

export function readDemoCredentials(dataDir: string): DemoAcquirerCredentials | null {
  return readDemoCredentialsSection<DemoAcquirerCredentials>(dataDir, 'acquirer');
}
