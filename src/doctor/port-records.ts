import type { CardStatus, CardControls } from '../issuer/index.ts';
import type { CardBrand, CardFunding } from '../network/messages.ts';

/**
 * The records the doctor's ports (ports.ts) return where a party's own type
 * would carry more than the doctor may hold — a sealed card number above
 * all — or more than it needs.
 */

export interface TimeWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface PaymentIntentSummary {
  readonly id: string;
  readonly merchantId: string;
}

/**
 * A 3-D Secure authentication as the issuer's access control server kept
 * it: where it ended and why (`too_many_wrong_codes`,
 * `declined_by_cardholder`, `abandoned`, `challenge_passed`, …). Never a
 * code, a value or a card number.
 */
export interface AuthenticationRecord {
  readonly status: 'challenge' | 'authenticated' | 'failed' | 'expired';
  readonly reason: string;
}

export interface SetupIntentSummary {
  readonly id: string;
  readonly merchantId: string;
  readonly status: string;
  readonly paymentMethodId: string | null;
}

/** What the doctor shows of a card a merchant holds: never the sealed number. */
export interface CardSummary {
  readonly brand: CardBrand | string;
  readonly last4: string | null;
  readonly funding: CardFunding | string | null;
  readonly country: string | null;
  /** The acquirer's fingerprint (merchant and operator views only). */
  readonly fingerprint: string | null;
  /** The card account's PAR, which links it to the issuer's card; never shown, only compared. Absent or null: not known. */
  readonly paymentAccountReference?: string | null;
}

export interface PaymentMethodSummary {
  readonly id: string;
  readonly customerId: string | null;
  readonly card: CardSummary;
  readonly checks: { readonly address_line1_check: string | null; readonly address_postal_code_check: string | null; readonly cvc_check: string | null };
}

/** A Cardlane card as the doctor sees it: its state and controls, no number in any form. */
export interface IssuerCardRecord {
  readonly id: string;
  readonly cardholderId: string;
  readonly last4: string;
  readonly status: CardStatus;
  readonly controls: CardControls;
  /** Null until the issuer has stored it (cards from before PARs get theirs at the next start). */
  readonly paymentAccountReference: string | null;
}
