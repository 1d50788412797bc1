import { z } from 'zod';
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

/** How the card network reaches Cardlane's own issuer. */
export const ISSUER_LINKS = ['in-process', 'iso8583'] as const;
export type IssuerLinkMode = (typeof ISSUER_LINKS)[number];

/** The network's own settings: `network` in the config file. */
export interface NetworkConfig {
  /**
   * `in-process` (the default): the network calls the issuer's functions. `iso8583`: ISO 8583 over
   * TCP — the issuer's server listens on 127.0.0.1 and the network connects to it as to any issuer
   * on another machine (src/network/iso8583/, docs/iso8583-link.md).
   */
  readonly issuerLink: IssuerLinkMode;
  /** Where the issuer's ISO 8583 server listens under `iso8583`; 0 (the default) is any free port, so processes on one machine never collide. */
  readonly issuerLinkPort: number;
}

export const networkConfigSection: ConfigSection<'network', NetworkConfig> = {
  name: 'network',
  fields: {
    issuerLink: z.enum(ISSUER_LINKS, { errorMap: () => ({ message: `must be one of ${ISSUER_LINKS.join(', ')}` }) }),
    // From a flag or the environment it is text: digits are read as the number they spell.
    issuerLinkPort: z.preprocess((value) => (typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value), wholeNumber(0, 65_535, 'port (0 for any free one)')),
  },
  defaults: { issuerLink: 'in-process', issuerLinkPort: 0 },
  envNames: { issuerLink: 'CARDLANE_NETWORK_ISSUER_LINK', issuerLinkPort: 'CARDLANE_NETWORK_ISSUER_LINK_PORT' },
  flagNames: { issuerLink: '--issuer-link', issuerLinkPort: '--issuer-link-port' },
};
