import { stripeDeclineFor, stripeDeclineForBlock, type StripeDecline } from '../acquirer/index.ts';
import type { IsoResponseCode } from '../network/messages.ts';

/**
 * The shape of the decline catalogue (catalogue.ts): one entry per reason a
 * payment can be refused, saying who decided, with which codes, whether
 * trying again can help, which of the seed's six causes it is, and a plain
 * explanation and remedy in Chinese and English.
 *
 * Stripe codes are never written by hand here: they come from the
 * acquirer's own mapping (decline-mapping.ts), so the catalogue says exactly
 * what a merchant's Stripe client received.
 */

export const LANGS = ['en', 'zh-CN'] as const;
export type Lang = (typeof LANGS)[number];

/**
 * Who made the decision: a merchant's own risk rule at the acquirer, the
 * acquirer itself (its built-in risk list), the card network (stand-in or a
 * refusal of its own), or the card issuer.
 */
export const DECIDERS = ['acquirer_rule', 'acquirer', 'network', 'issuer'] as const;
export type Decider = (typeof DECIDERS)[number];

/** The seed article's six causes of "Your card was declined", and everything else. */
export const SEED_CAUSES = [
  'card_country',
  'card_type',
  'issuer_security_policy',
  'insufficient_funds_or_limit',
  'billing_details_mismatch',
  'system_failure',
  'other',
] as const;
export type SeedCause = (typeof SEED_CAUSES)[number];

export interface CatalogueText {
  /** A few words, for a heading. */
  readonly title: string;
  /** Who decided, on which check or rule, and what that means. */
  readonly explanation: string;
  /** What the person paying can do next. */
  readonly remedy: string;
}

export interface CatalogueEntry {
  /** The stable reason code (the issuer's, the network's, or `rule_…` for a merchant rule). */
  readonly reason: string;
  readonly decidedBy: Decider;
  /** ISO 8583 field 39; null when the payment never reached the network. */
  readonly isoCode: IsoResponseCode | null;
  /** Stripe's error `code` the merchant's client received. */
  readonly stripeCode: string;
  /** Stripe's `decline_code`. */
  readonly stripeDeclineCode: string;
  /** Stripe's `advice_code`. */
  readonly adviceCode: StripeDecline['adviceCode'];
  /** Visa's "cannot approve now": the same payment may succeed later (after a wait, a top-up, or the issuer coming back). */
  readonly retryable: boolean;
  readonly seedCause: SeedCause;
  readonly text: Readonly<Record<Lang, CatalogueText>>;
}

export type Texts = Readonly<Record<Lang, CatalogueText>>;

/** An entry for an answer that came over the network (issuer or network decided), with Stripe's codes from the acquirer's mapping. */
export function answeredEntry(
  reason: string,
  decidedBy: 'issuer' | 'network',
  isoCode: IsoResponseCode,
  seedCause: SeedCause,
  text: Texts,
): CatalogueEntry {
  const stripe = stripeDeclineFor({ responseCode: isoCode, reason });
  return {
    reason,
    decidedBy,
    isoCode,
    stripeCode: stripe.code,
    stripeDeclineCode: stripe.declineCode,
    adviceCode: stripe.adviceCode,
    retryable: stripe.adviceCode === 'try_again_later',
    seedCause,
    text,
  };
}

/** An entry for a block before (or right after) the network by the acquirer's risk checks. */
export function blockedEntry(reason: string, decidedBy: 'acquirer_rule' | 'acquirer', declineCode: string, seedCause: SeedCause, text: Texts): CatalogueEntry {
  const stripe = stripeDeclineForBlock(declineCode);
  return {
    reason,
    decidedBy,
    isoCode: null,
    stripeCode: stripe.code,
    stripeDeclineCode: stripe.declineCode,
    adviceCode: stripe.adviceCode,
    retryable: stripe.adviceCode === 'try_again_later',
    seedCause,
    text,
  };
}
