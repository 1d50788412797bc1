/**
 * Merchant billing's public surface: its module description, configuration
 * section, the demo organization's saved credentials, its resolver for the
 * doctor, and the echo model's figures the demo story spends with.
 * Other modules import only this file.
 */
export { type BillingServices } from './billing-services.ts';
export { DEMO_OWNER_EMAIL, readDemoBillingCredentials, type DemoBillingCredentials } from './billing-start.ts';
export { billingConfigSection } from './config.ts';
export { merchantBillingResolver } from './doctor-resolver.ts';
export { CHARS_PER_TOKEN } from './echo-model.ts';
export { billingModule, type BillingApi } from './module.ts';
export { MEMBER_PEPPER_SECRET } from './members/member-pepper-file.ts';
export { ECHO_MODEL } from './price-book.ts';
