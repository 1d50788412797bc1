/**
 * Stripe's test payment methods and tokens (docs "Testing"): `pm_card_visa`,
 * `tok_visa` and the like stand for a test card and may be passed wherever a
 * payment method (or a card token) is taken. Each use makes a new payment
 * method from the card, as at Stripe, so the intent or customer ends up with
 * an ordinary `pm_…`. Names are Stripe's; each maps to a card number of
 * Stripe's testing page, which the network's test bank answers as Stripe does.
 */

const CARDS: Record<string, string> = {
  visa: '4242424242424242',
  visa_debit: '4000056655665556',
  mastercard: '5555555555554444',
  mastercard_debit: '5200828282828210',
  mastercard_prepaid: '5105105105105100',
  amex: '378282246310005',
  discover: '6011111111111117',
  diners: '3056930009020004',
  jcb: '3566002020360505',
  unionpay: '6200000000000005',
  // By country.
  us: '4242424242424242',
  br: '4000000760000002',
  ca: '4000001240000000',
  cn: '4000001560000002',
  jp: '4000003920000003',
  gb: '4000008260000000',
  // Declines.
  chargeDeclined: '4000000000000002',
  chargeDeclinedInsufficientFunds: '4000000000009995',
  chargeDeclinedLostCard: '4000000000009987',
  chargeDeclinedStolenCard: '4000000000009979',
  chargeDeclinedExpiredCard: '4000000000000069',
  chargeDeclinedIncorrectCvc: '4000000000000127',
  chargeDeclinedProcessingError: '4000000000000119',
  chargeDeclinedVelocityLimitExceeded: '4000000000006975',
  chargeDeclinedFraudulent: '4100000000000019',
  chargeCustomerFail: '4000000000000341',
  // Checks and risk.
  cvcCheckFail: '4000000000000101',
  avsZipFail: '4000000000000036',
  avsLine1Fail: '4000000000000028',
  avsFail: '4000000000000010',
  avsUnchecked: '4000000000000044',
  radarBlock: '4100000000000019',
  riskLevelHighest: '4000000000004954',
  riskLevelElevated: '4000000000009235',
  authenticationRequired: '4000002500003155',
  authenticationRequiredOnSetup: '4000002500003155',
};

/** A test payment method name's card number (`pm_card_visa` → 4242…), or undefined. */
export function testPaymentMethodPan(id: string): string | undefined {
  return id.startsWith('pm_card_') ? own(id.slice('pm_card_'.length)) : undefined;
}

/** A test token's card number (`tok_visa` → 4242…), or undefined. */
export function testTokenPan(id: string): string | undefined {
  return id.startsWith('tok_') ? own(id.slice('tok_'.length)) : undefined;
}

function own(name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(CARDS, name) ? CARDS[name] : undefined;
}

/** Every test payment method name, for the docs and tests. */
export const TEST_PAYMENT_METHOD_NAMES: readonly string[] = Object.keys(CARDS).map((name) => `pm_card_${name}`);
export const TEST_TOKEN_NAMES: readonly string[] = Object.keys(CARDS).map((name) => `tok_${name}`);

/** A payment method parameter: a `pm_…` id or one of the test names. */
export const PAYMENT_METHOD_REF = /^pm_(?:[0-9A-Za-z]{10,40}|card_[A-Za-z0-9_]{2,60})$/;
/** A card token parameter: a `tok_…` id or one of the test names. */
export const TOKEN_REF = /^tok_[0-9A-Za-z_]{2,60}$/;
