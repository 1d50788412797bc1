import type { Decider, Lang, SeedCause } from './catalogue-types.ts';
import type { HopStatus, Party } from './diagnose.ts';
import type { View } from './views.ts';

/**
 * A trace as the API and `cardlane doctor --json` return it: stable codes
 * for programs next to sentences for people (in the asked language), and
 * only the fields the view may see (see views.ts). Times are ISO 8601.
 */

export interface TraceRule {
  readonly id: string | null;
  readonly description: string;
  readonly predicate: string;
  readonly applies_to: string | null;
  readonly purpose: string | null;
  readonly deleted: boolean;
}

export interface TraceHop {
  readonly party: Party;
  readonly status: HopStatus;
  readonly at: string | null;
  readonly summary: string;
  readonly reason: string | null;
  readonly iso_code: string | null;
  /** Merchant and operator views, acquirer hops. */
  readonly rule?: TraceRule;
  /** Cardholder and operator views, issuer hops: the checks that failed. */
  readonly failed_checks?: readonly string[];
  /** Cardholder and operator views, issuer hops: the figures the decision used (USD cents). */
  readonly figures?: Readonly<Record<string, number>>;
  /**
   * Cardholder and operator views, network hops: the authorization's amounts
   * as ISO 8583 fields — 4/49 the transaction's, 6/51 the cardholder
   * billing amount when the issuer converted it into the card's currency
   * (absent when nothing was converted). Minor units.
   */
  readonly iso_fields?: TraceIsoFields;
}

export interface TraceIsoFields {
  readonly '4': number | null;
  readonly '49': string | null;
  readonly '6'?: number;
  readonly '51'?: string;
}

export interface TraceVerdict {
  readonly outcome: 'approved' | 'declined' | 'pending';
  readonly decided_by: Decider | null;
  readonly reason: string | null;
  readonly title: string;
  readonly explanation: string;
  readonly remedy: string | null;
  readonly iso_code: string | null;
  readonly stripe_code: string | null;
  readonly stripe_decline_code: string | null;
  readonly advice_code: string | null;
  readonly retryable: boolean | null;
  readonly seed_cause: SeedCause | null;
  /** Merchant and operator views: the rule that declined. */
  readonly rule?: TraceRule;
  /** The 3-D Secure check the issuer asked for: how it ended (`too_many_wrong_codes`, `declined_by_cardholder`, `abandoned`, …), in words. */
  readonly authentication?: { readonly status: string; readonly reason: string; readonly summary: string };
}

export interface TraceSeedRemedy {
  readonly recommended: boolean;
  /** Why not, as a stable code (seed-remedy.ts); null when recommended. */
  readonly because: string | null;
  readonly summary: string;
  readonly steps: readonly string[];
  readonly keep_on_card: { readonly amount: number; readonly currency: string; readonly display: string } | null;
}

/** What brings a declined auto-recharge back (recharge-recovery.ts); the trace's `recovery`, null otherwise. */
export interface TraceRecovery {
  readonly kind: 'declined_auto_recharge';
  readonly summary: string;
  readonly steps: readonly string[];
  /** The shortfall: the recharge less what the card had available (the whole recharge when the view may not see the balance). */
  readonly load_at_least: { readonly amount: number; readonly currency: string; readonly display: string };
  /** Issuer's side only: what the card had available when the issuer decided. */
  readonly card_available: number | null;
  readonly next_attempt_at: string | null;
  /** `next_attempt_at` in the reader's time zone, with how far off it is. */
  readonly next_attempt_local: string | null;
  readonly time_zone: string;
  /** A rule of the merchant refuses this card on payments made by hand. */
  readonly manual_payment_refused: boolean;
}

export interface TraceAttempt {
  /** The charge id (merchant, operator), or the issuer's authorization id (cardholder). */
  readonly reference: string | null;
  readonly created_at: string;
  readonly merchant: { readonly id?: string | null; readonly name: string | null; readonly country: string | null };
  readonly amount: number;
  readonly currency: string;
  readonly initiated_by: 'customer' | 'merchant';
  readonly purpose: 'purchase' | 'account_verification';
  readonly card: { readonly brand: string; readonly last4: string | null; readonly funding: string | null; readonly country: string | null };
  readonly reached_network: boolean;
  readonly reached_issuer: boolean;
  readonly hops: readonly TraceHop[];
  readonly verdict: TraceVerdict;
  readonly seed_remedy: TraceSeedRemedy;
  readonly issuer_authorization: string | null;
  /** Merchant and operator views: the merchant's own objects. */
  readonly payment_intent?: string | null;
  readonly setup_intent?: string | null;
  readonly customer?: string | null;
  readonly payment_method?: string | null;
}

export interface TraceBilling {
  readonly attempt_id: string;
  readonly kind: string;
  readonly lines: ReadonlyArray<{ readonly code: string; readonly text: string }>;
}

export interface Trace {
  readonly object: 'doctor_trace';
  readonly view: View;
  readonly lang: Lang;
  readonly query: { readonly id: string } | { readonly card: string; readonly from: string; readonly to: string };
  readonly subject: { readonly kind: string; readonly id: string };
  readonly summary: string;
  readonly billing: TraceBilling | null;
  readonly attempts: readonly TraceAttempt[];
  readonly notes: readonly string[];
  /** What brings a declined auto-recharge back, when the trace is one (absent otherwise). */
  readonly recovery?: TraceRecovery | null;
}
