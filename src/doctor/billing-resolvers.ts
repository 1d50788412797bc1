import { merchantBillingResolver } from '../billing/doctor-resolver.ts';
import type { BillingAttemptResolver } from './billing-resolver.ts';

/**
 * The billing attempt resolvers the running Cardlane (HTTP API and
 * `cardlane doctor`) uses. Merchant billing adds its resolver here, one
 * line, e.g. `merchantBillingResolver,` imported from src/billing.
 */
export const BILLING_ATTEMPT_RESOLVERS: readonly BillingAttemptResolver[] = [merchantBillingResolver];
