import type { CardBrand, CardFunding } from '../messages.ts';

/**
 * The scripted test bank's cards: Stripe's published test numbers (docs
 * "Testing": cards by brand, by country, declines, checks and fraud), each
 * with its brand, issuing country, funding and behaviour. This one list feeds
 * both the network's BIN table (one entry per full number, so nothing else in
 * these ranges routes) and the test bank's script.
 *
 * Stripe publishes no Visa prepaid number; `4000009990000005` is Cardlane's
 * own (Luhn-valid, not a Stripe number) so a merchant rule on prepaid cards
 * can be tried with a Visa too.
 */

/** What the test bank does with a card, beyond the expiry check every card gets. */
export type TestCardBehaviour =
  /** Approves; AVS and CVC pass when given. */
  | 'approve'
  /** 05 `generic_decline`. */
  | 'generic_decline'
  /** 51 `insufficient_funds`. */
  | 'insufficient_funds'
  /** 41 `lost_card`. */
  | 'lost_card'
  /** 43 `stolen_card`. */
  | 'stolen_card'
  /** 54 `card_expired`, whatever expiry was sent. */
  | 'expired_card'
  /** N7 `cvv2_mismatch`, CVC result `fail`. */
  | 'incorrect_cvc'
  /** 96 `processing_error`: the issuer answers, with a system error. */
  | 'processing_error'
  /** 65 `card_velocity_exceeded`. */
  | 'card_velocity_exceeded'
  /** Approves an account verification (so it attaches), declines every purchase 05 `generic_decline`. */
  | 'decline_after_attach'
  /** CVC result `fail` when a CVC is sent, and then N7 `cvv2_mismatch`; approves without a CVC. */
  | 'cvc_check_fails'
  /** Postal code result `fail`; the bank still approves (acting on AVS is the merchant's rule, as at Stripe). */
  | 'postal_code_check_fails'
  /** Address line 1 result `fail`; approves. */
  | 'line1_check_fails'
  /** Both address results `fail`; approves. */
  | 'address_checks_fail'
  /** Both address results `unavailable`; approves. */
  | 'address_checks_unavailable'
  /**
   * Approves at the bank: Stripe blocks this card with its own risk rules
   * (`fraudulent`), which in Cardlane are the acquirer's, before the network.
   */
  | 'blocked_by_acquirer_risk'
  /**
   * 3-D Secure is not modelled, so "authenticate first" is a decline:
   * customer-initiated purchases answer 05 `authentication_required`; an
   * account verification approves (that is the set-up); a merchant-initiated
   * purchase approves when the card was verified at the same merchant before,
   * else 05 `authentication_required` — Stripe's "needs authentication unless
   * set up for off-session use".
   */
  | 'authentication_required';

export interface TestCard {
  readonly pan: string;
  readonly brand: CardBrand;
  /** ISO 3166-1 alpha-2 of the issuing country. */
  readonly country: string;
  readonly funding: CardFunding;
  readonly behaviour: TestCardBehaviour;
  readonly description: string;
}

export const TEST_BANK_NAME = 'test-bank';
export const TEST_BANK_DISPLAY_NAME = 'Cardlane Test Bank';

const us = (pan: string, behaviour: TestCardBehaviour, description: string): TestCard => ({
  pan,
  brand: 'visa',
  country: 'US',
  funding: 'credit',
  behaviour,
  description,
});

const visaAbroad = (pan: string, country: string, description: string): TestCard => ({
  pan,
  brand: 'visa',
  country,
  funding: 'credit',
  behaviour: 'approve',
  description,
});

export const TEST_CARDS: readonly TestCard[] = [
  // Cards by brand and funding (United States).
  us('4242424242424242', 'approve', 'Visa credit, succeeds'),
  { pan: '4000056655665556', brand: 'visa', country: 'US', funding: 'debit', behaviour: 'approve', description: 'Visa debit, succeeds' },
  { pan: '4000009990000005', brand: 'visa', country: 'US', funding: 'prepaid', behaviour: 'approve', description: "Visa prepaid (Cardlane's own test number), succeeds" },
  { pan: '5555555555554444', brand: 'mastercard', country: 'US', funding: 'credit', behaviour: 'approve', description: 'Mastercard credit, succeeds' },
  { pan: '5200828282828210', brand: 'mastercard', country: 'US', funding: 'debit', behaviour: 'approve', description: 'Mastercard debit, succeeds' },
  { pan: '5105105105105100', brand: 'mastercard', country: 'US', funding: 'prepaid', behaviour: 'approve', description: 'Mastercard prepaid, succeeds' },
  { pan: '378282246310005', brand: 'amex', country: 'US', funding: 'credit', behaviour: 'approve', description: 'American Express, succeeds' },
  { pan: '6011111111111117', brand: 'discover', country: 'US', funding: 'credit', behaviour: 'approve', description: 'Discover, succeeds' },
  // Cards by issuing country.
  visaAbroad('4000000760000002', 'BR', 'Visa issued in Brazil, succeeds'),
  visaAbroad('4000001240000000', 'CA', 'Visa issued in Canada, succeeds'),
  visaAbroad('4000001560000002', 'CN', 'Visa issued in China, succeeds'),
  visaAbroad('4000003920000003', 'JP', 'Visa issued in Japan, succeeds'),
  visaAbroad('4000008260000000', 'GB', 'Visa issued in the United Kingdom, succeeds'),
  // Declines.
  us('4000000000000002', 'generic_decline', 'declined: generic_decline'),
  us('4000000000009995', 'insufficient_funds', 'declined: insufficient_funds'),
  us('4000000000009987', 'lost_card', 'declined: lost_card'),
  us('4000000000009979', 'stolen_card', 'declined: stolen_card'),
  us('4000000000000069', 'expired_card', 'declined: expired card'),
  us('4000000000000127', 'incorrect_cvc', 'declined: incorrect CVC'),
  us('4000000000000119', 'processing_error', 'declined: processing error'),
  us('4000000000006975', 'card_velocity_exceeded', 'declined: card_velocity_exceeded'),
  us('4000000000000341', 'decline_after_attach', 'attaches to a customer, every charge declines'),
  // Checks.
  us('4000000000000101', 'cvc_check_fails', 'CVC check fails (declines when a CVC is sent)'),
  us('4000000000000036', 'postal_code_check_fails', 'postal code check fails'),
  us('4000000000000028', 'line1_check_fails', 'address line 1 check fails'),
  us('4000000000000010', 'address_checks_fail', 'address line 1 and postal code checks fail'),
  us('4000000000000044', 'address_checks_unavailable', 'address checks unavailable'),
  // Fraud and authentication.
  us('4100000000000019', 'blocked_by_acquirer_risk', "always blocked by the acquirer's risk rules (approves at the bank)"),
  us('4000002500003155', 'authentication_required', 'needs authentication unless set up for off-session use'),
];

const BY_PAN = new Map(TEST_CARDS.map((card) => [card.pan, card]));

/** The test card with this number, or undefined. */
export function findTestCard(pan: string): TestCard | undefined {
  return BY_PAN.get(pan);
}
