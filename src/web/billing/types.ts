/**
 * The billing API's answers as the billing page reads them: the objects billing's
 * API writes (src/billing/http/*-objects.ts and member-routes.ts), only the
 * fields the page uses.
 */

export interface Amount {
  readonly amount_minor: number;
  readonly currency: string;
  readonly formatted: string;
}

/** Shaped as every page's two-language text (../shared/lang.ts). */
export interface Explanation {
  readonly en: string;
  readonly zh: string;
}

export type Role = 'owner' | 'member';

export interface Member {
  readonly id: string;
  readonly email: string;
  readonly role: Role;
  /** `invited` until the person accepts by signing in to the organization. */
  readonly status?: 'active' | 'invited';
}

/** An invitation the address has not accepted (409 organization_choice_required at sign-in). */
export interface Invitation {
  readonly organization: { readonly id: string; readonly name: string };
  readonly role: Role;
}

/** One of the signed-in person's organizations (GET /sessions/current `organizations`): what the header's switcher offers. */
export interface OrganizationChoice {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** `invited`: switching to it accepts the invitation. */
  readonly status: 'active' | 'invited';
}

/** The page's session, as a sign-in, a switch and GET /sessions/current answer it to the page (which holds the cookie, never the token). */
export interface Session {
  readonly expires_at: string;
  readonly member: Member;
  readonly organization: { readonly id: string; readonly name: string };
  readonly organizations: readonly OrganizationChoice[];
  /** Sent as X-CSRF-Token with every change (api.ts keeps it in memory). */
  readonly csrf_token: string;
}

export interface SignInCode {
  readonly email: string;
}


export interface Settings {
  readonly provider: { readonly base_url: string; readonly publishable_key: string };
  readonly purchase_minimum: Amount;
  readonly purchase_maximum: Amount;
}

export interface CreditBalance {
  readonly available: Amount;
}

/** A card's verification waiting for the card issuer's 3-D Secure challenge (202 from adding a card). */
export interface CardChallenge {
  readonly id: string;
  readonly status: 'requires_action';
  readonly next_action: { readonly type: 'redirect_to_url'; readonly redirect_to_url: { readonly url: string; readonly return_url: string | null } };
}

export interface PaymentMethod {
  readonly id: string;
  readonly brand: string;
  readonly last4: string;
  readonly exp_month: number;
  readonly exp_year: number;
  readonly funding: string;
  readonly country: string | null;
  readonly is_default: boolean;
  readonly verification: { readonly hold: Amount | null; readonly released?: boolean; readonly release_at?: string | null } | null;
}

export interface Receipt {
  readonly id: string;
  readonly number: string;
  readonly amount: Amount;
  readonly description: string;
  readonly card: string;
  readonly paid_at: string;
}

export interface Invoice {
  readonly id: string;
  readonly number: string;
  /** The payment it was issued for (a credit adjustment names the same payment). */
  readonly payment: string;
  /** The line's words in English, as issued; `line` is the same as data, worded in the reader's language. */
  readonly description: string;
  readonly line: { readonly kind: string; readonly plan: string | null; readonly period: { readonly start: string; readonly end: string } | null };
  readonly total: Amount;
  readonly tax: Amount;
  readonly status: 'paid' | 'partially_refunded' | 'refunded';
  readonly amount_refunded: Amount;
  readonly issued_at: string;
  /** The PDF's path; `?lang=&tz=` choose its language and date. */
  readonly pdf: string;
}

export interface Payment {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly amount: Amount;
  readonly refunded: Amount | null;
  readonly failure: { readonly explanation: Explanation | null } | null;
  readonly receipt: Receipt | null;
  readonly invoice: { readonly id: string; readonly number: string } | null;
  readonly created_at: string;
}

/** Credits a refund made at the payment provider or a dispute took away, or a won dispute or a failed refund gave back (GET /credit_adjustments). */
export interface CreditAdjustment {
  readonly id: string;
  readonly kind: 'provider_refund' | 'dispute_withdrawn' | 'dispute_reinstated' | 'provider_refund_failed' | string;
  /** The payment (credit purchase) it concerns; its invoice has the same `payment`. */
  readonly payment: string;
  /** The dispute's or the refund's id at the provider (a dispute's steps share it). */
  readonly provider_object: string;
  readonly amount: Amount;
  readonly credits_removed: Amount;
  readonly debt: Amount;
  readonly credits_restored: Amount;
  /** Of what came back, the debt the refund had booked that was cancelled (a failed refund's). */
  readonly debt_cancelled: Amount;
  readonly description: { readonly en: string; readonly 'zh-CN': string };
  readonly created_at: string;
}

export type AutoRechargeStatus = 'off' | 'active' | 'paused';

export interface AutoRecharge {
  readonly status: AutoRechargeStatus;
  readonly paused_message: string | null;
  readonly paused_message_zh: string | null;
  readonly threshold: Amount | null;
  readonly target: Amount | null;
  readonly monthly_limit: Amount | null;
  readonly used_this_month: Amount;
  readonly next_attempt_at: string | null;
  readonly last_payment: Payment | null;
}

export interface List<T> {
  readonly data: readonly T[];
}

/** Every refusal: billing's error object — a stable `code`, English words — and a declined card's has the payment, with the decline explained. */
export interface ErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string; readonly payment?: Payment; readonly invitations?: readonly Invitation[] };
}
