import { z } from 'zod';
import { wholeNumber, type ConfigSection } from '../platform/config.ts';

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
  },
  defaults: { webhooksAllowPrivateNetworks: false, apiRequestsPerSecond: 0 },
  envNames: { webhooksAllowPrivateNetworks: 'CARDLANE_ACQUIRER_WEBHOOKS_ALLOW_PRIVATE_NETWORKS', apiRequestsPerSecond: 'CARDLANE_ACQUIRER_API_REQUESTS_PER_SECOND' },
};
