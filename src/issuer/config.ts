import { z } from 'zod';
import { ConfigError, wholeNumber, type ConfigSection } from '../platform/config.ts';
import { isCurrencyCode } from '../platform/money.ts';
import type { IssuerFx } from './authorization/foreign-exchange.ts';
import { THREE_D_SECURE_MODES, type ThreeDSecureMode, type ThreeDSecurePolicy } from './authentication/policy.ts';

/** The issuer's settings: `issuer` in the config file. */
export interface IssuerConfig {
  /**
   * USD for one unit of each foreign currency the cards may pay in, as a
   * decimal string (`{ "GBP": "1.27", "JPY": "0.0067" }`). A payment in a
   * currency without a rate is declined 57. Replaces the defaults whole.
   */
  readonly fxRatesToUsd: Readonly<Record<string, string>>;
  /** Cross-border fee on the converted amount, in basis points (100 = 1 %). */
  readonly crossBorderFeeBps: number;
  /**
   * When the card program asks for 3-D Secure on customer-initiated
   * payments and set-ups (authentication/policy.ts): `off`, `risk_based`
   * (above `threeDSecureAboveUsdMinor`, or at a merchant or in a country the
   * card never paid before) or `always`. Merchant-initiated payments are
   * never asked.
   */
  readonly threeDSecure: ThreeDSecureMode;
  /** Under `risk_based`: payments billed above this many US cents are challenged. */
  readonly threeDSecureAboveUsdMinor: number;
}

const RATE_TEXT = /^\d{1,12}(?:\.\d{1,12})?$/;

export const issuerConfigSection: ConfigSection<'issuer', IssuerConfig> = {
  name: 'issuer',
  fields: {
    fxRatesToUsd: z.record(
      z.string().refine((code) => isCurrencyCode(code) && code !== 'USD', 'must be an upper-case ISO 4217 code of the money table, other than USD'),
      z.string({ invalid_type_error: 'must be a decimal string such as "1.27"' }).refine((v) => RATE_TEXT.test(v) && /[1-9]/.test(v), 'must be a positive decimal string such as "1.27"'),
    ),
    crossBorderFeeBps: wholeNumber(0, 1_000, 'basis points'),
    threeDSecure: z.enum(THREE_D_SECURE_MODES, { errorMap: () => ({ message: `must be one of ${THREE_D_SECURE_MODES.join(', ')}` }) }),
    threeDSecureAboveUsdMinor: wholeNumber(0, 100_000_000, 'US cents'),
  },
  // Indicative rates (USD per unit) for the currencies of the seed's merchants and app stores; operators set their own.
  // The fee: 1 %, the usual cross-border assessment a card network charges and issuers pass on.
  defaults: {
    fxRatesToUsd: { EUR: '1.08', GBP: '1.27', JPY: '0.0067', CAD: '0.73', AUD: '0.66', HKD: '0.128', SGD: '0.74', CNY: '0.138' },
    crossBorderFeeBps: 100,
    // Off by default: a program turns strong customer authentication on. The threshold is $30, near the PSD2
    // low-value exemption (EUR 30) under which European issuers commonly let payments through without a challenge.
    threeDSecure: 'off',
    threeDSecureAboveUsdMinor: 3_000,
  },
  check(issuer) {
    if (Object.keys(issuer.fxRatesToUsd).length > 100) throw new ConfigError('invalid configuration: issuer.fxRatesToUsd has more than 100 currencies', 'issuer.fxRatesToUsd', 'issuer');
  },
};

/** The engine's view of the settings. */
export function issuerFxOf(config: IssuerConfig): IssuerFx {
  return { ratesToUsd: config.fxRatesToUsd, crossBorderFeeBps: config.crossBorderFeeBps };
}

/** The issuer's 3-D Secure policy as the engine applies it. */
export function threeDSecurePolicyOf(config: IssuerConfig): ThreeDSecurePolicy {
  return { mode: config.threeDSecure, aboveUsdMinor: config.threeDSecureAboveUsdMinor };
}
