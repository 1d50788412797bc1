import Stripe from 'stripe';
import type { BillingConfig } from '../config.ts';
import { readDemoCredentialsSection } from '../../platform/demo-credentials-file.ts';
import type { ServerAddress } from '../../platform/module.ts';

/**
 * Billing's payment provider: the official `stripe` SDK, pointed at this
 * Cardlane's own Stripe-compatible acquirer by default, or at any
 * Stripe-compatible API — Stripe itself included — by configuration alone
 * (`billing.stripeBaseUrl` + keys). Nothing else in billing knows which.
 *
 * The default needs this server's address, which exists only once it
 * listens, so it is given as an address read on first use.
 */

export interface ProviderEndpoint {
  /** e.g. `http://127.0.0.1:4400` or `https://api.stripe.com` (the SDK adds `/v1`). */
  readonly baseUrl: string;
  readonly secretKey: string;
  /** Clients tokenize card numbers with this key, straight at the provider: card numbers never pass through billing. */
  readonly publishableKey: string;
}

interface DemoKeys {
  readonly secret_key: string;
  readonly publishable_key: string;
}

export class BillingProvider {
  #client: { key: string; stripe: Stripe } | null = null;

  constructor(
    private readonly config: Pick<BillingConfig, 'stripeBaseUrl' | 'stripeSecretKey' | 'stripePublishableKey'>,
    /** Where `cardlane up` keeps the demo merchant's keys (the default provider account). */
    private readonly dataDir: string,
    /** This Cardlane's own address, used when no provider is configured; null where there is none (tests with a provider of their own). */
    private readonly self: ServerAddress | null = null,
  ) {}

  endpoint(): ProviderEndpoint {
    if (this.config.stripeBaseUrl !== null) {
      return { baseUrl: this.config.stripeBaseUrl, secretKey: this.config.stripeSecretKey!, publishableKey: this.config.stripePublishableKey! };
    }
    if (this.self === null) throw new Error('billing has no payment provider: configure billing.stripeBaseUrl, or run it inside Cardlane');
    const baseUrl = this.self.url();
    const demo = readDemoCredentialsSection<DemoKeys>(this.dataDir, 'acquirer');
    const secretKey = this.config.stripeSecretKey ?? demo?.secret_key;
    const publishableKey = this.config.stripePublishableKey ?? demo?.publishable_key;
    if (secretKey === undefined || publishableKey === undefined) {
      throw new Error(`billing has no provider keys: set billing.stripeSecretKey/stripePublishableKey, or keep the demo merchant's ${this.dataDir}/demo-credentials.json`);
    }
    return { baseUrl, secretKey, publishableKey };
  }

  /** The SDK client for the current endpoint (rebuilt if the endpoint changed, e.g. a new demo key). */
  stripe(): Stripe {
    const endpoint = this.endpoint();
    const key = `${endpoint.baseUrl} ${endpoint.secretKey}`;
    if (this.#client?.key !== key) this.#client = { key, stripe: stripeClient(endpoint.baseUrl, endpoint.secretKey) };
    return this.#client.stripe;
  }
}

/**
 * An SDK client for a base URL. Network retries stay off: every call billing
 * makes carries an idempotency key and an unanswered call is retried by the
 * billing sweep, which is where retrying belongs (it survives a restart).
 */
export function stripeClient(baseUrl: string, secretKey: string): Stripe {
  const url = new URL(baseUrl);
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return new Stripe(secretKey, {
    host: url.hostname,
    port: url.port === '' ? (protocol === 'https' ? 443 : 80) : Number(url.port),
    protocol,
    maxNetworkRetries: 0,
    timeout: 30_000,
    telemetry: false,
  });
}
