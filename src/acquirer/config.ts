import { z } from 'zod';
import { wholeNumber, type ConfigSection } from '../platform/config.ts';
import { isCurrencyCode } from '../platform/money.ts';

/** The acquirer's settings: `acquirer` in the config file. */
export interface AcquirerConfig {
  /**
   * Send webhooks to loopback, private (RFC 1918, fc00::/7), link-local,
   * carrier-grade NAT and other non-public addresses too. Off by default:
   * a merchant's webhook URL must not reach into our own network (SSRF; see
   * webhooks/webhook-address-policy.ts). Turn it on only for local
   * development, where the receiver listens on 127.0.0.1.
   */
  readonly webhooksAllowPrivateNetworks: boolean;
  /**
   * Requests per second each API key may make to /v1 (then 429 `rate_limit`,
   * as at Stripe); 0, the default, is no limit (see stripe/api-rate-limit.ts).
   */
  readonly apiRequestsPerSecond: number;
  /**
   * The currencies a merchant may settle in (ISO 4217, lower case as in
   * Stripe's API): `POST /acquirer/v1/merchants` refuses any other
   * settlement currency. Payments may be presented in any currency.
   */
  readonly settlementCurrencies: readonly string[];
}

/** A switch that may come from JSON (true/false) or from the environment, where everything is text. */
const onOff = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])], { errorMap: () => ({ message: 'must be true or false' }) })
  .transform((value) => value === true || value === 'true' || value === '1');

export const acquirerConfigSection: ConfigSection<'acquirer', AcquirerConfig> = {
  name: 'acquirer',
  fields: {
    webhooksAllowPrivateNetworks: onOff,
    // From the environment it is text: digits are read as the number they spell.
    apiRequestsPerSecond: z.preprocess((value) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value), wholeNumber(0, 100_000, 'requests per second')),
    // From the environment it is text: a comma-separated list (`usd,gbp`).
    settlementCurrencies: z.preprocess(
      (value) => (typeof value === 'string' ? value.split(',').map((code) => code.trim()) : value),
      z
        .array(z.string().refine((code) => isCurrencyCode(code.toUpperCase()) && code === code.toLowerCase(), 'must be a lower-case ISO 4217 code of the money table, e.g. gbp'))
        .min(1, 'must name at least one currency')
        .max(50, 'must name at most 50 currencies'),
    ),
  },
  // The currencies of the seed's merchants and app stores (USD, GBP, EUR, JPY) and their neighbours.
  defaults: { webhooksAllowPrivateNetworks: false, apiRequestsPerSecond: 0, settlementCurrencies: ['usd', 'eur', 'gbp', 'jpy', 'cad', 'aud', 'hkd', 'sgd', 'chf'] },
  envNames: { webhooksAllowPrivateNetworks: 'CARDLANE_ACQUIRER_WEBHOOKS_ALLOW_PRIVATE_NETWORKS', apiRequestsPerSecond: 'CARDLANE_ACQUIRER_API_REQUESTS_PER_SECOND', settlementCurrencies: 'CARDLANE_ACQUIRER_SETTLEMENT_CURRENCIES' },
};
