import { z } from 'zod';
import { ConfigError, wholeNumber, type ConfigSection } from '../platform/config.ts';

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
  /** The network echoes (0800) on a link connection after this long with nothing received on it (docs/iso8583-link.md). */
  readonly issuerLinkEchoIntervalMs: number;
  /** An echo unanswered for this long closes its connection, and the network connects again. */
  readonly issuerLinkEchoTimeoutMs: number;
  /** The issuer's server closes a connection silent this long; at least twice the echo interval, so a live one never is. */
  readonly issuerLinkIdleTimeoutMs: number;
}

/** Digits from a flag or the environment are read as the number they spell; anything else is left for the schema to refuse. */
const digitsAsNumber = (value: unknown) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value);

export const networkConfigSection: ConfigSection<'network', NetworkConfig> = {
  name: 'network',
  fields: {
    issuerLink: z.enum(ISSUER_LINKS, { errorMap: () => ({ message: `must be one of ${ISSUER_LINKS.join(', ')}` }) }),
    // From a flag or the environment it is text: digits are read as the number they spell.
    issuerLinkPort: z.preprocess((value) => (typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value), wholeNumber(0, 65_535, 'port (0 for any free one)')),
    issuerLinkEchoIntervalMs: z.preprocess(digitsAsNumber, wholeNumber(100, 600_000, 'milliseconds')),
    issuerLinkEchoTimeoutMs: z.preprocess(digitsAsNumber, wholeNumber(100, 600_000, 'milliseconds')),
    issuerLinkIdleTimeoutMs: z.preprocess(digitsAsNumber, wholeNumber(200, 3_600_000, 'milliseconds')),
  },
  // Echo after 30 s of quiet, as card networks' links commonly do; 10 s for its answer; the server waits three echo
  // intervals (two echoes lost or late) before it closes a silent connection.
  defaults: { issuerLink: 'in-process', issuerLinkPort: 0, issuerLinkEchoIntervalMs: 30_000, issuerLinkEchoTimeoutMs: 10_000, issuerLinkIdleTimeoutMs: 90_000 },
  envNames: {
    issuerLink: 'CARDLANE_NETWORK_ISSUER_LINK',
    issuerLinkPort: 'CARDLANE_NETWORK_ISSUER_LINK_PORT',
    issuerLinkEchoIntervalMs: 'CARDLANE_NETWORK_ISSUER_LINK_ECHO_INTERVAL_MS',
    issuerLinkEchoTimeoutMs: 'CARDLANE_NETWORK_ISSUER_LINK_ECHO_TIMEOUT_MS',
    issuerLinkIdleTimeoutMs: 'CARDLANE_NETWORK_ISSUER_LINK_IDLE_TIMEOUT_MS',
  },
  flagNames: { issuerLink: '--issuer-link', issuerLinkPort: '--issuer-link-port' },
  check(network) {
    // The client echoes after one interval of quiet; the server must wait longer than that, with room for an echo lost or late.
    if (network.issuerLinkIdleTimeoutMs < 2 * network.issuerLinkEchoIntervalMs) {
      throw new ConfigError(
        `invalid configuration: network.issuerLinkIdleTimeoutMs (${network.issuerLinkIdleTimeoutMs}) must be at least twice network.issuerLinkEchoIntervalMs (${network.issuerLinkEchoIntervalMs}), or the issuer's server closes connections the network keeps alive`,
        'network.issuerLinkIdleTimeoutMs',
        'network',
      );
    }
  },
};
