import type { AcquirerDeps } from './acquirer-deps.ts';
import { balanceEndpoints } from './balance/balance-endpoints.ts';
import { disputeEndpoints } from './disputes/dispute-endpoints.ts';
import { earlyFraudWarningEndpoints } from './disputes/early-fraud-warning-endpoints.ts';
import { customerEndpoints } from './customers/customer-endpoints.ts';
import { eventEndpoints } from './events/event-endpoints.ts';
import { accountSettingsEndpoints } from './merchants/account-settings-endpoints.ts';
import { paymentIntentEndpoints } from './payments/payment-intent-endpoints.ts';
import { paymentMethodEndpoints } from './payments/payment-method-endpoints.ts';
import { refundEndpoints } from './payments/refunds.ts';
import { setupIntentEndpoints } from './payments/setup-intents.ts';
import { testClockEndpoints } from './test-clocks/test-clock-endpoints.ts';
import { riskRuleEndpoints } from './risk/risk-rule-endpoints.ts';
import type { StripeEndpoint } from './stripe/route.ts';
import { webhookEndpointEndpoints } from './webhooks/webhook-endpoint-endpoints.ts';

/** Every Stripe-compatible endpoint the acquirer serves under /v1. */
export function acquirerEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  const { cvcCache } = deps;
  return [
    ...customerEndpoints(deps),
    ...paymentMethodEndpoints(deps, cvcCache),
    ...setupIntentEndpoints(deps, cvcCache),
    ...paymentIntentEndpoints(deps, cvcCache),
    ...refundEndpoints(deps),
    ...disputeEndpoints(deps),
    ...earlyFraudWarningEndpoints(deps),
    ...eventEndpoints(deps),
    ...webhookEndpointEndpoints(deps),
    ...riskRuleEndpoints(deps),
    ...accountSettingsEndpoints(deps),
    ...balanceEndpoints(deps),
    ...testClockEndpoints(deps),
  ];
}
