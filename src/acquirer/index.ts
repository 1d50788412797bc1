/**
 * The acquirer's public surface: its module description for the composition
 * root, the demo merchant's saved credentials, its implementation of the
 * doctor's ports, and the pure tables others explain payments with (Stripe's
 * decline mapping, risk-rule kinds). Other modules import only this file.
 */
export { auditAcquirerDisputes } from './disputes/dispute-ledger.ts';
export { DEMO_CREDENTIALS_FILE_NAME, readDemoCredentials, VAULT_KEY_SECRET, type DemoAcquirerCredentials } from './acquirer-start.ts';
export { acquirerConfigSection, type AcquirerConfig } from './config.ts';
export { acquirerDoctorRecords } from './doctor-records.ts';
export { type AccountSettingsObject } from './merchants/account-settings-endpoints.ts';
export { CARD_VERIFICATION_AMOUNT_MAX_MINOR, type Merchant } from './merchants/merchants.ts';
export { acquirerModule, type AcquirerApi } from './module.ts';
export { type Charge } from './payments/charge-store.ts';
export { stripeDeclineFor, stripeDeclineForBlock, type StripeDecline } from './payments/decline-mapping.ts';
export { HIGHEST_RISK_DESCRIPTION, HIGHEST_RISK_PREDICATE } from './risk/highest-risk.ts';
export { BLOCK_PREPAID_ON_CUSTOMER_INITIATED } from './risk/presets.ts';
export { type RiskRuleObject } from './risk/risk-rule-endpoints.ts';
export { type AppliesTo, type ConditionKind, type RiskRule, type RulePurpose } from './risk/rule-types.ts';
