import { wholeNumber, type ConfigSection } from '../platform/config.ts';

/** The card network's rules for every payment: how long an issuer has to answer, and how long an authorization may hold funds. */
export interface PaymentsConfig {
  /** How long the card network waits for an issuer before it declines in its stead (91). */
  readonly issuerTimeoutMs: number;
  /** How long an approved authorization holds the cardholder's funds if it is never captured or reversed. */
  readonly authorizationHoldMs: number;
}

/** `payments` in the config file. */
export const paymentsConfigSection: ConfigSection<'payments', PaymentsConfig> = {
  name: 'payments',
  fields: {
    issuerTimeoutMs: wholeNumber(10, 60_000, 'milliseconds'),
    authorizationHoldMs: wholeNumber(60_000, 31 * 24 * 60 * 60 * 1000, 'milliseconds'),
  },
  // 2 s as Stripe Issuing gives an issuer; holds expire after 7 days, as card networks' usually do.
  defaults: { issuerTimeoutMs: 2_000, authorizationHoldMs: 7 * 24 * 60 * 60 * 1000 },
};
