import type { AcquirerDeps } from './acquirer-deps.ts';
import { CvcCache } from './cards/vault.ts';
import { customerEndpoints } from './customers/customer-endpoints.ts';
import { eventEndpoints } from './events/event-endpoints.ts';
import { accountSettingsEndpoints } from './merchants/account-settings-endpoints.ts';
import { paymentIntentEndpoints } from './payments/payment-intent-endpoints.ts';
import { paymentMethodEndpoints } from './payments/payment-method-endpoints.ts';
import { refundEndpoints } from './payments/refunds.ts';
import { setupIntentEndpoints } from './payments/setup-intents.ts';
import { riskRuleEndpoints } from './risk/risk-rule-endpoints.ts';
import type { StripeEndpoint } from './stripe/route.ts';
import { webhookEndpointEndpoints } from './webhooks/webhook-endpoint-endpoints.ts';

// One CVC cache per acquirer (see cards/vault.ts): the endpoints that take a card and the ones that charge it must share it.
const cvcCaches = new WeakMap<AcquirerDeps, CvcCache>();

export function acquirerCvcCache(deps: AcquirerDeps): CvcCache {
  let cache = cvcCaches.get(deps);
  if (cache === undefined) {
    cache = new CvcCache();
    cvcCaches.set(deps, cache);
  }
  return cache;
}

/** Every Stripe-compatible endpoint the acquirer serves under /v1. */
export function acquirerEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  const cvcCache = acquirerCvcCache(deps);
  return [
    ...customerEndpoints(deps),
    ...paymentMethodEndpoints(deps, cvcCache),
    ...setupIntentEndpoints(deps, cvcCache),
    ...paymentIntentEndpoints(deps, cvcCache),
    ...refundEndpoints(deps),
    ...eventEndpoints(deps),
    ...webhookEndpointEndpoints(deps),
    ...riskRuleEndpoints(deps),
    ...accountSettingsEndpoints(deps),
  ];
}
