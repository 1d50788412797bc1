import { z } from 'zod';
import { ConfigError, nonEmptyText, wholeNumber, type ConfigSection } from '../platform/config.ts';
import { countryCodeProblem, isCountryCode } from '../platform/countries.ts';

/** Merchant billing (the API business selling prepaid credits). */
export interface BillingConfig {
  /**
   * Where billing's payment provider answers, for the official `stripe` SDK:
   * null means this Cardlane's own Stripe-compatible acquirer (`<url>/v1`);
   * `https://api.stripe.com` points the same code at Stripe.
   */
  readonly stripeBaseUrl: string | null;
  /** The provider's secret key; null means the demo merchant's key (only with stripeBaseUrl null). */
  readonly stripeSecretKey: string | null;
  /** The publishable key clients tokenize cards with; null means the demo merchant's. */
  readonly stripePublishableKey: string | null;
  /** Smallest manual credit purchase, in cents (OpenAI's is $5). */
  readonly purchaseMinimumMinor: number;
  /** Largest manual credit purchase, in cents. */
  readonly purchaseMaximumMinor: number;
  /** Smallest auto-recharge, in cents (the seed's $10). */
  readonly rechargeMinimumMinor: number;
  /** Days after which purchased credits expire (OpenAI: one year); 0 means never. */
  readonly creditExpiryDays: number;
  /**
   * The tax on invoices by the organization's billing country (ISO 3166-1
   * alpha-2), in basis points (1900 = 19%); a country not listed pays none.
   * Prices include it: an invoice splits what the card paid into net and tax.
   */
  readonly taxRatesBps: Readonly<Record<string, number>>;
}

/** Billing's settings: `billing` in the config file; the provider's address and keys also from the environment, where secrets usually live. */
export const billingConfigSection: ConfigSection<'billing', BillingConfig> = {
  name: 'billing',
  fields: {
    stripeBaseUrl: nonEmptyText.refine(isHttpUrl, 'must be an http:// or https:// URL, such as https://api.stripe.com').nullable(),
    stripeSecretKey: nonEmptyText.refine((value) => /^(sk|rk)_(test|live)_\w+$/.test(value), 'must be a Stripe secret key (sk_test_… or sk_live_…)').nullable(),
    stripePublishableKey: nonEmptyText.refine((value) => /^pk_(test|live)_\w+$/.test(value), 'must be a Stripe publishable key (pk_test_…)').nullable(),
    purchaseMinimumMinor: wholeNumber(50, 10_000_000, 'cents'),
    purchaseMaximumMinor: wholeNumber(50, 10_000_000, 'cents'),
    rechargeMinimumMinor: wholeNumber(50, 10_000_000, 'cents'),
    creditExpiryDays: wholeNumber(0, 36_500, 'days'),
    // A key that is no country (`UK`) would never match a profile, and its customers would pay no tax: refused at start.
    taxRatesBps: z.record(
      z.string().refine(isCountryCode, (key) => ({ message: `keys must be ISO country codes such as DE: ${countryCodeProblem(key)}` })),
      wholeNumber(0, 10_000, 'basis points'),
    ),
  },
  defaults: {
    stripeBaseUrl: null,
    stripeSecretKey: null,
    stripePublishableKey: null,
    purchaseMinimumMinor: 500,
    purchaseMaximumMinor: 100_000,
    rechargeMinimumMinor: 1_000,
    creditExpiryDays: 365,
    // VAT on digital services to consumers in a few countries, as an example; set your own.
    taxRatesBps: { DE: 1900, FR: 2000, GB: 2000, NL: 2100, JP: 1000, CN: 600 },
  },
  envNames: {
    stripeBaseUrl: 'CARDLANE_BILLING_STRIPE_URL',
    stripeSecretKey: 'CARDLANE_BILLING_STRIPE_SECRET_KEY',
    stripePublishableKey: 'CARDLANE_BILLING_STRIPE_PUBLISHABLE_KEY',
  },
  // What one setting cannot say: the purchase bounds are ordered (an auto-recharge is a purchase, so its minimum must
  // fit under the maximum too, or every recharge would be refused), and a foreign provider comes with its keys.
  check(billing) {
    if (billing.purchaseMinimumMinor > billing.purchaseMaximumMinor) {
      throw new ConfigError('invalid configuration: billing.purchaseMinimumMinor must not exceed billing.purchaseMaximumMinor', 'billing.purchaseMinimumMinor', 'billing');
    }
    if (billing.rechargeMinimumMinor > billing.purchaseMaximumMinor) {
      throw new ConfigError(
        'invalid configuration: billing.rechargeMinimumMinor must not exceed billing.purchaseMaximumMinor (an auto-recharge is a purchase: a larger minimum would refuse every one)',
        'billing.rechargeMinimumMinor',
        'billing',
      );
    }
    if (billing.stripeBaseUrl !== null && (billing.stripeSecretKey === null || billing.stripePublishableKey === null)) {
      throw new ConfigError(
        'invalid configuration: billing.stripeBaseUrl points billing at another provider, so billing.stripeSecretKey and billing.stripePublishableKey must be set too',
        'billing.stripeSecretKey',
        'billing',
      );
    }
  },
};

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
