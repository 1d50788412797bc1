import type { CardBrand, DisputeCategory } from '../messages.ts';

/**
 * The one table of dispute reasons, for both schemes: each category the
 * cardholder may choose, Visa's and Mastercard's reason code for it, the
 * reason Stripe shows a merchant, and the time limit the networks give the
 * issuer (days from the transaction's processing date; generally 120).
 *
 * Visa (Visa Claims Resolution): 10.4 other fraud, card-absent; 12.6.1
 * duplicate processing; 13.1 merchandise/services not received; 13.3 not as
 * described or defective; 13.6 credit not processed. Mastercard: 4837 no
 * cardholder authorization; 4834 point-of-interaction error (duplicate);
 * 4853 cardholder dispute (not received, not as described, credit not
 * processed). Other brands (Amex, Discover, UnionPay) are sent with the Visa
 * code: Cardlane's issuer and test bank are Visa and Mastercard only.
 */

export interface DisputeReason {
  readonly category: DisputeCategory;
  readonly visa: { readonly code: string; readonly title: string };
  readonly mastercard: { readonly code: string; readonly title: string };
  /** Stripe's `dispute.reason`. */
  readonly stripeReason: 'fraudulent' | 'product_not_received' | 'duplicate' | 'credit_not_processed' | 'product_unacceptable';
  /** How long after the transaction the issuer may still raise it. */
  readonly timeLimitDays: number;
}

export const DISPUTE_REASONS: Readonly<Record<DisputeCategory, DisputeReason>> = {
  fraud: {
    category: 'fraud',
    visa: { code: '10.4', title: 'Other fraud, card-absent environment' },
    mastercard: { code: '4837', title: 'No cardholder authorization' },
    stripeReason: 'fraudulent',
    timeLimitDays: 120,
  },
  product_not_received: {
    category: 'product_not_received',
    visa: { code: '13.1', title: 'Merchandise/services not received' },
    mastercard: { code: '4853', title: 'Cardholder dispute: goods or services not provided' },
    stripeReason: 'product_not_received',
    timeLimitDays: 120,
  },
  duplicate: {
    category: 'duplicate',
    visa: { code: '12.6.1', title: 'Duplicate processing' },
    mastercard: { code: '4834', title: 'Point-of-interaction error: duplicate transaction' },
    stripeReason: 'duplicate',
    timeLimitDays: 120,
  },
  credit_not_processed: {
    category: 'credit_not_processed',
    visa: { code: '13.6', title: 'Credit not processed' },
    mastercard: { code: '4853', title: 'Cardholder dispute: credit not processed' },
    stripeReason: 'credit_not_processed',
    timeLimitDays: 120,
  },
  not_as_described: {
    category: 'not_as_described',
    visa: { code: '13.3', title: 'Not as described or defective merchandise/services' },
    mastercard: { code: '4853', title: 'Cardholder dispute: not as described or defective' },
    stripeReason: 'product_unacceptable',
    timeLimitDays: 120,
  },
};

export const DISPUTE_CATEGORIES = Object.keys(DISPUTE_REASONS) as DisputeCategory[];

export function isDisputeCategory(value: unknown): value is DisputeCategory {
  return typeof value === 'string' && Object.hasOwn(DISPUTE_REASONS, value);
}

/** The scheme's reason code for a category: Mastercard's for Mastercard cards, Visa's otherwise. */
export function reasonCodeFor(category: DisputeCategory, brand: CardBrand | string): string {
  const reason = DISPUTE_REASONS[category];
  return brand === 'mastercard' ? reason.mastercard.code : reason.visa.code;
}

/** The category a reason code was sent with, checked against the table (a code the table does not list for it is refused). */
export function reasonCodeMatches(category: DisputeCategory, code: string): boolean {
  const reason = DISPUTE_REASONS[category];
  return reason.visa.code === code || reason.mastercard.code === code;
}

/**
 * 3-D Secure liability shift. An authorization that carried an authentication
 * value with one of these ECIs was authenticated by the issuer (Visa 05, or an
 * attempt the issuer's attempts server acknowledged, 06; Mastercard's 02 and
 * 01): under both schemes' rules the fraud liability moved to the issuer, so
 * a chargeback for fraud (Visa 10.4, Mastercard 4837) is not the merchant's
 * to pay — the network refuses it (12 `liability_shifted`, below) and the
 * issuer keeps the loss. Other reasons (not received, not as described,
 * duplicate, credit not processed) are not about who paid, and go through.
 * Other brands follow Visa's values.
 */
const LIABILITY_SHIFT_ECIS: Readonly<Record<'visa' | 'mastercard', ReadonlySet<string>>> = {
  visa: new Set(['05', '06']),
  mastercard: new Set(['02', '01']),
};

/** The network's refusal reason for a fraud chargeback on an authenticated payment. */
export const LIABILITY_SHIFTED = 'liability_shifted';

/** Whether a chargeback of `category` on an authorization with `eci` (the network's record of it) is refused: fraud liability shifted to the issuer. */
export function fraudLiabilityShifted(category: DisputeCategory, brand: CardBrand | string | null, eci: string | null): boolean {
  if (category !== 'fraud' || eci === null) return false;
  return LIABILITY_SHIFT_ECIS[brand === 'mastercard' ? 'mastercard' : 'visa'].has(eci);
}

/** How long the merchant has to answer a chargeback, as Stripe gives (`evidence_details.due_by`): 7 days here, before the network's own deadline. */
export const RESPONSE_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;
