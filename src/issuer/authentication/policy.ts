import type { AuthorizationPurpose, Initiator } from '../../network/messages.ts';

/**
 * When Cardlane's issuer asks for 3-D Secure (strong customer
 * authentication): the program's setting, applied to one authorization.
 *
 *  - `off`: never (the issuer approves or declines on its other checks);
 *  - `always`: every customer-initiated payment and card set-up;
 *  - `risk_based`: a customer-initiated payment or set-up above
 *    `aboveUsdMinor` (billed in USD, a foreign amount converted, fee
 *    included), or at a merchant — or in a country — where the card was
 *    never approved before; everything else goes through without a
 *    challenge (frictionless), as issuers' risk engines let low-risk
 *    payments through under the PSD2 exemptions.
 *
 * Merchant-initiated payments are never asked (the SCA exemption for
 * payments the merchant starts under an agreement the cardholder
 * authenticated when setting it up): the cardholder is not there to
 * answer, and asking would only decline the merchant's automatic charge.
 */

export const THREE_D_SECURE_MODES = ['off', 'risk_based', 'always'] as const;
export type ThreeDSecureMode = (typeof THREE_D_SECURE_MODES)[number];

export interface ThreeDSecurePolicy {
  readonly mode: ThreeDSecureMode;
  /** Under `risk_based`: payments billed above this many US cents are challenged. */
  readonly aboveUsdMinor: number;
}

export const NO_THREE_D_SECURE: ThreeDSecurePolicy = { mode: 'off', aboveUsdMinor: 0 };

/** Why the issuer asks for authentication: the policy's trigger, recorded with the decision for the doctor. */
export type AuthenticationTrigger = 'always' | 'amount_above_threshold' | 'new_merchant' | 'new_country';

/** What the policy looks at, besides the payment itself. */
export interface PaymentHistory {
  /** The card was approved at this merchant before (a payment or a set-up). */
  readonly paidMerchantBefore: boolean;
  /** The card was approved by a merchant in this country before. */
  readonly paidCountryBefore: boolean;
}

export interface PaymentShape {
  readonly purpose: AuthorizationPurpose;
  readonly initiator: Initiator;
  /** The amount as billed to the card in US cents (null: a currency the issuer cannot convert, declined elsewhere). */
  readonly amountUsdMinor: number | null;
}

/**
 * Whether the policy asks this payment to be authenticated, and why; null:
 * no. `history` must be given whenever `needsHistory` says so (the engine
 * reads it only then: it costs a query).
 */
export function authenticationTrigger(policy: ThreeDSecurePolicy, payment: PaymentShape, history: PaymentHistory | null): AuthenticationTrigger | null {
  if (policy.mode === 'off' || payment.initiator !== 'customer') return null;
  if (policy.mode === 'always') return 'always';
  if (payment.amountUsdMinor !== null && payment.amountUsdMinor > policy.aboveUsdMinor) return 'amount_above_threshold';
  if (history === null) throw new Error('a risk-based 3-D Secure decision needs the card\'s payment history');
  if (!history.paidMerchantBefore) return 'new_merchant';
  if (!history.paidCountryBefore) return 'new_country';
  return null;
}

/** Whether the policy needs the card's history for this payment (so the engine reads it only then). */
export function needsHistory(policy: ThreeDSecurePolicy, payment: PaymentShape): boolean {
  return policy.mode === 'risk_based' && payment.initiator === 'customer' && !(payment.amountUsdMinor !== null && payment.amountUsdMinor > policy.aboveUsdMinor);
}
