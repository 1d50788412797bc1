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
   * Stripe's "needs authentication unless set up for off-session use"
   * (3-D Secure, see test-bank-acs.ts): a customer-initiated purchase without
   * an authentication answers 1A `authentication_required`; an account
   * verification approves (the set-up); a merchant-initiated purchase
   * approves when the card was set up or paid with authentication at the same
   * merchant before, else 1A.
   */
  | 'authentication_required'
  /** 3-D Secure on every payment, whatever was set up: 1A without an authentication, merchant-initiated too. */
  | 'authentication_always'
  /** "3DS2 required": as `authentication_required` (Stripe's 3220 succeeds once authenticated). */
  | 'authentication_required_3ds2'
  /** 1A without an authentication; with one, 05 `generic_decline` (Stripe: authenticates, then `card_declined`). */
  | 'authentication_then_decline'
  /** 1A without an authentication; with one, 51 `insufficient_funds`. */
  | 'authentication_then_insufficient_funds';

/** The behaviours whose cards the test bank's access control server challenges. */
export const THREE_D_SECURE_BEHAVIOURS: ReadonlySet<TestCardBehaviour> = new Set([
  'authentication_required',
  'authentication_always',
  'authentication_required_3ds2',
  'authentication_then_decline',
  'authentication_then_insufficient_funds',
]);

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
  { pan: '2223003122003222', brand: 'mastercard', country: 'US', funding: 'credit', behaviour: 'approve', description: 'Mastercard (2-series), succeeds' },
  { pan: '371449635398431', brand: 'amex', country: 'US', funding: 'credit', behaviour: 'approve', description: 'American Express, succeeds' },
  { pan: '6011000990139424', brand: 'discover', country: 'US', funding: 'credit', behaviour: 'approve', description: 'Discover, succeeds' },
  { pan: '6011981111111113', brand: 'discover', country: 'US', funding: 'debit', behaviour: 'approve', description: 'Discover debit, succeeds' },
  { pan: '3056930009020004', brand: 'diners', country: 'US', funding: 'credit', behaviour: 'approve', description: 'Diners Club, succeeds' },
  { pan: '36227206271667', brand: 'diners', country: 'US', funding: 'credit', behaviour: 'approve', description: 'Diners Club (14 digits), succeeds' },
  { pan: '6555900000604105', brand: 'discover', country: 'US', funding: 'credit', behaviour: 'approve', description: 'BCcard and DinaCard, succeeds' },
  { pan: '3566002020360505', brand: 'jcb', country: 'JP', funding: 'credit', behaviour: 'approve', description: 'JCB, succeeds' },
  { pan: '6200000000000005', brand: 'unionpay', country: 'CN', funding: 'credit', behaviour: 'approve', description: 'UnionPay, succeeds' },
  { pan: '6200000000000047', brand: 'unionpay', country: 'CN', funding: 'debit', behaviour: 'approve', description: 'UnionPay debit, succeeds' },
  { pan: '6205500000000000004', brand: 'unionpay', country: 'CN', funding: 'credit', behaviour: 'approve', description: 'UnionPay (19 digits), succeeds' },
  // Cards by issuing country.
  visaAbroad('4000000760000002', 'BR', 'Visa issued in Brazil, succeeds'),
  visaAbroad('4000001240000000', 'CA', 'Visa issued in Canada, succeeds'),
  visaAbroad('4000001560000002', 'CN', 'Visa issued in China, succeeds'),
  visaAbroad('4000003920000003', 'JP', 'Visa issued in Japan, succeeds'),
  visaAbroad('4000008260000000', 'GB', 'Visa issued in the United Kingdom, succeeds'),
  visaAbroad('4000000360000006', 'AU', 'Visa issued in Australia, succeeds'),
  visaAbroad('4000000400000008', 'AT', 'Visa issued in Austria, succeeds'),
  visaAbroad('4000000560000004', 'BE', 'Visa issued in Belgium, succeeds'),
  visaAbroad('4000002500000003', 'FR', 'Visa issued in France, succeeds'),
  visaAbroad('4000002760000016', 'DE', 'Visa issued in Germany, succeeds'),
  visaAbroad('4000003560000008', 'IN', 'Visa issued in India, succeeds'),
  visaAbroad('4000003800000008', 'IT', 'Visa issued in Italy, succeeds'),
  visaAbroad('4000004840008001', 'MX', 'Visa issued in Mexico, succeeds'),
  visaAbroad('4000005280000002', 'NL', 'Visa issued in the Netherlands, succeeds'),
  visaAbroad('4000007020000003', 'SG', 'Visa issued in Singapore, succeeds'),
  visaAbroad('4000007240000007', 'ES', 'Visa issued in Spain, succeeds'),
  visaAbroad('4000007520000008', 'SE', 'Visa issued in Sweden, succeeds'),
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
  us('4000000000004954', 'blocked_by_acquirer_risk', 'highest risk level: blocked by the acquirer\'s risk rules (approves at the bank)'),
  us('4000000000009235', 'approve', 'elevated risk level, succeeds'),
  us('4000000000000077', 'approve', 'succeeds, funds available at once'),
  us('4000003720000278', 'approve', 'succeeds, bypassing the pending balance'),
  us('4000002500003155', 'authentication_required', 'needs authentication unless set up for off-session use'),
  us('4000002760003184', 'authentication_always', 'always needs authentication, even off-session after a set-up'),
  us('4000000000003220', 'authentication_required_3ds2', '3-D Secure 2 required; succeeds once authenticated'),
  us('4000008400001629', 'authentication_then_decline', 'needs authentication, then declined card_declined'),
  us('4000008260003178', 'authentication_then_insufficient_funds', 'needs authentication, then declined insufficient_funds'),
  // Disputes: approved, then disputed by the test bank after capture (src/network/disputes/test-bank-disputes.ts).
  us('4000000000000259', 'approve', 'succeeds, then disputed as fraudulent'),
  us('4000000000002685', 'approve', 'succeeds, then disputed as product not received'),
  us('4000000000001976', 'approve', 'succeeds, then disputed as an inquiry'),
  us('4000000000005423', 'approve', 'succeeds, then reported as fraud: an early fraud warning'),
];

const BY_PAN = new Map(TEST_CARDS.map((card) => [card.pan, card]));

/** The test card with this number, or undefined. */
export function findTestCard(pan: string): TestCard | undefined {
  return BY_PAN.get(pan);
}
