/**
 * The event types the acquirer records, named as Stripe names them. A
 * webhook endpoint may only subscribe to these (or `*`): Stripe refuses an
 * unknown name too, and a misspelt subscription that silently never fires
 * is worse than an error. `recordEvent` refuses a type missing here, so a
 * new kind of event is added in one place and is at once subscribable.
 */
export const EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'payment_method.attached',
  'payment_method.detached',
  'payment_method.updated',
  'payment_method.automatically_updated',
  'setup_intent.created',
  'setup_intent.requires_action',
  'setup_intent.setup_failed',
  'setup_intent.succeeded',
  'setup_intent.canceled',
  'payment_intent.created',
  'payment_intent.processing',
  'payment_intent.requires_action',
  'payment_intent.amount_capturable_updated',
  'payment_intent.partially_funded',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'charge.pending',
  'charge.succeeded',
  'charge.failed',
  'charge.captured',
  'charge.expired',
  'charge.updated',
  'charge.refunded',
  'charge.refund.updated',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
  'radar.early_fraud_warning.created',
  'radar.early_fraud_warning.updated',
  'test_helpers.test_clock.created',
  'test_helpers.test_clock.advancing',
  'test_helpers.test_clock.ready',
  'test_helpers.test_clock.internal_failure',
  'test_helpers.test_clock.deleted',
  'product.created',
  'product.updated',
  'price.created',
  'price.updated',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.created',
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  // Cardlane's own (Stripe has no public event for it): an endpoint that kept failing was disabled; the object is the endpoint.
  'webhook_endpoint.automatically_disabled',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

const KNOWN = new Set<string>(EVENT_TYPES);

export function isEventType(type: string): type is EventType {
  return KNOWN.has(type);
}

/** Whether an endpoint subscribed to `enabledEvents` receives `type` (`*` means every type). */
export function subscribesTo(enabledEvents: readonly string[], type: string): boolean {
  return enabledEvents.includes('*') || enabledEvents.includes(type);
}
