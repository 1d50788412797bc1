import type { AcquirerDeps } from './acquirer-deps.ts';
import { balanceEndpoints } from './balance/balance-endpoints.ts';
import { disputeEndpoints } from './disputes/dispute-endpoints.ts';
import { earlyFraudWarningEndpoints } from './disputes/early-fraud-warning-endpoints.ts';
import { customerEndpoints } from './customers/customer-endpoints.ts';
import { eventEndpoints } from './events/event-endpoints.ts';
import { accountSettingsEndpoints } from './merchants/account-settings-endpoints.ts';
import { paymentIntentEndpoints } from './payments/payment-intent-endpoints.ts';
import { paymentMethodEndpoints } from './payments/payment-method-endpoints.ts';
import { PAYMENT_METHOD_RATE_LIMITS, paymentMethodRateGate } from './payments/payment-method-rate-limits.ts';
import { refundEndpoints } from './payments/refunds.ts';
import { setupIntentEndpoints } from './payments/setup-intents.ts';
import { testClockEndpoints } from './test-clocks/test-clock-endpoints.ts';
import { PaymentIntents } from './payments/payment-intents.ts';
import { catalogEndpoints } from './subscriptions/catalog-endpoints.ts';
import { invoiceEndpoints } from './subscriptions/invoice-endpoints.ts';
import { subscriptionClockWork } from './subscriptions/renewals.ts';
import { subscriptionEndpoints } from './subscriptions/subscription-endpoints.ts';
import { riskRuleEndpoints } from './risk/risk-rule-endpoints.ts';
import type { StripeEndpoint } from './stripe/route.ts';
import { webhookEndpointEndpoints } from './webhooks/webhook-endpoint-endpoints.ts';

/** Every Stripe-compatible endpoint the acquirer serves under /v1. */
export function acquirerEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  const { cvcCache } = deps;
  // Subscriptions pay their invoices through the ordinary payment path.
  const billing = { ...deps, payments: new PaymentIntents(deps, cvcCache) };
  // One set of buckets for every way a publishable key types in a card: creating a payment method, or confirming with payment_method_data.
  const cardDataGate = paymentMethodRateGate(deps.clock, PAYMENT_METHOD_RATE_LIMITS);
  return [
    ...customerEndpoints(deps),
    ...paymentMethodEndpoints(deps, cvcCache, PAYMENT_METHOD_RATE_LIMITS, cardDataGate),
    ...setupIntentEndpoints(deps, cvcCache, cardDataGate),
    ...paymentIntentEndpoints(deps, cvcCache, cardDataGate),
    ...refundEndpoints(deps),
    ...disputeEndpoints(deps),
    ...earlyFraudWarningEndpoints(deps),
    ...eventEndpoints(deps),
    ...webhookEndpointEndpoints(deps),
    ...riskRuleEndpoints(deps),
    ...accountSettingsEndpoints(deps),
    ...balanceEndpoints(deps),
    ...catalogEndpoints(deps),
    ...subscriptionEndpoints(billing),
    ...invoiceEndpoints(billing),
    // Advancing a test clock renews its customers' subscriptions.
    ...testClockEndpoints(deps, [subscriptionClockWork(billing)]),
  ];
}
