import type Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import type { AuthorizationRequest } from '../../src/network/messages.ts';
import { acquirerFixture, type AcquirerFixture } from './acquirer-fixture.ts';
import { testPaymentNetwork } from './payment-network.ts';

/**
 * Shared set-up of the lock-order race tests (test/acquirer/*-lock-order.test.ts):
 * the whole acquirer over HTTP with the test card network, so that racing
 * requests go through the same transactions as real ones.
 */
export function lockOrderRaceFixture(): Promise<AcquirerFixture> {
  return acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
}

/** Resolves after `ms`, so that the racers start a little apart and meet in each other's transactions. */
export const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A new customer with `pm_card_visa` attached (`cards` of them) and the first as its default payment method. */
export async function customerWithDefaultCard(
  stripe: Stripe,
  params: Stripe.CustomerCreateParams = {},
  cards = 1,
): Promise<{ customer: Stripe.Customer; cards: Stripe.PaymentMethod[] }> {
  const customer = await stripe.customers.create({ email: 'subscriber@example.com', ...params });
  const attached: Stripe.PaymentMethod[] = [];
  for (let i = 0; i < cards; i++) attached.push(await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id }));
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: attached[0]!.id } });
  return { customer, cards: attached };
}

/** The fixture's next authorization waits at the network's door until released: a payment or set-up "in flight". */
export function holdNextAuthorization(f: AcquirerFixture): { arrived: Promise<void>; release(): void } {
  const network = f.deps.network;
  const real = network.authorize.bind(network);
  let release!: () => void;
  let arrived!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const seen = new Promise<void>((resolve) => (arrived = resolve));
  network.authorize = async (request: AuthorizationRequest) => {
    network.authorize = real;
    arrived();
    await gate;
    return real(request);
  };
  return { arrived: seen, release };
}
