/** The shapes the app reads from the issuer's and the doctor's APIs (the fields it uses). */

export interface Amount {
  readonly amount_minor: number;
  readonly currency: string;
  readonly formatted: string;
}

export type KycStatus = 'not_started' | 'pending' | 'approved' | 'rejected';

export interface Cardholder {
  readonly id: string;
  readonly phone: string;
  readonly kyc_status: KycStatus;
  readonly kyc_reason: string | null;
  readonly invite_code: string;
  readonly opening_fee_waived: boolean;
  readonly referral: { readonly invite_code: string } | null;
  readonly created_at: string;
}

/** The app's session (GET/POST /issuer/v1/browser-session): the token itself stays in an HttpOnly cookie. */
export interface BrowserSession {
  readonly expires_at: string;
  readonly csrf_token: string;
  readonly signed_up?: boolean;
  readonly cardholder: Cardholder;
}

/** A text the issuer sends in both languages (as notifications send theirs). */
export interface BilingualText {
  readonly zh: string;
  readonly en: string;
}

/** What the cardholder is told about a rejection; every field null unless rejected. */
export interface KycRejection {
  /** The reason's code (never a screening match by name: that one reads not_eligible). */
  readonly reason: string | null;
  readonly reason_text: BilingualText | null;
  readonly next_step: BilingualText | null;
  readonly can_resubmit: boolean | null;
}

export interface Verification extends KycRejection {
  readonly id: string;
  readonly status: 'pending' | 'approved' | 'rejected';
  readonly qr_payload: string;
  readonly created_at: string;
  readonly completed_at: string | null;
}

export interface KycState extends KycRejection {
  readonly status: KycStatus;
  readonly verification: Verification | null;
}

export interface Wallet {
  readonly available: Amount;
  readonly pending: Amount;
}

export interface Quote {
  readonly id: string;
  readonly cny_amount: Amount;
  readonly fee: Amount;
  readonly rate: string;
  readonly usd_amount: Amount;
  readonly expires_at: string;
}

export interface TopUp {
  readonly id: string;
  readonly status: 'created' | 'paid' | 'credited' | 'expired' | 'closed' | 'failed' | 'refund_pending' | 'refunded';
  readonly cny_amount: Amount;
  readonly fee: Amount;
  readonly usd_amount: Amount;
  readonly pay_url: string | null;
  readonly qr_payload: string | null;
  readonly expires_at: string;
  readonly credited_at: string | null;
}

export interface Withdrawal {
  readonly id: string;
  readonly status: 'pending' | 'paid' | 'failed';
  readonly amount: Amount;
  readonly fee: Amount;
  readonly payout: Amount;
  readonly payout_cny: Amount;
  readonly failure_reason: string | null;
  readonly created_at: string;
}

export interface WalletEntry {
  readonly id: string;
  readonly type: string;
  /** For a `transfer`: card_load, card_unload, card_close_sweep, card_fee, merchant_refund, dispute_provisional_credit, dispute_credit, dispute_reversal (more may come); null otherwise. Optional: an older server has none. */
  readonly transfer_kind?: string | null;
  /** The card a transfer was for (a card move, the opening fee, a closed card's refund or dispute credit). */
  readonly card?: { readonly id: string; readonly last4: string | null } | null;
  readonly status: string;
  readonly amount: Amount;
  readonly created_at: string;
}

export interface BillingAddress {
  readonly line1: string;
  readonly line2?: string | null;
  readonly city: string;
  readonly state?: string | null;
  readonly postal_code: string;
  readonly country: string;
}

export interface Card {
  readonly id: string;
  readonly status: 'active' | 'frozen' | 'closed';
  readonly brand: string;
  readonly last4: string;
  readonly exp_month: number;
  readonly exp_year: number;
  readonly cardholder_name: string;
  readonly billing_address: BillingAddress | null;
  readonly balance: { readonly posted: number; readonly held: number; readonly available: number };
  readonly controls: {
    readonly spending_limits: { readonly per_transaction: number | null; readonly per_day: number | null; readonly per_month: number | null };
    readonly mcc_block: readonly string[];
    readonly country_block: readonly string[];
    readonly max_accounts_per_merchant: number;
  };
  readonly opening_fee: { readonly amount: number; readonly waived: boolean };
}

export interface RevealedCard {
  readonly number: string;
  readonly cvc: string;
  readonly exp_month: number;
  readonly exp_year: number;
}

export interface StatementLine {
  readonly id: string;
  readonly type: string;
  readonly amount: number;
  readonly status: 'pending' | 'settled' | 'declined' | 'reversed' | 'refunded' | 'expired';
  readonly created_at: string;
  readonly merchant: { readonly name: string; readonly country: string } | null;
  readonly authorization: string | null;
  readonly decline: { readonly response_code: string; readonly reason: string; readonly message_zh: string; readonly message_en: string } | null;
  /** On a disputed payment's line and on the dispute's own credit/reversal lines. */
  readonly dispute?: LineDispute | null;
}

export type DisputeReason = 'fraud' | 'product_not_received' | 'duplicate' | 'credit_not_processed' | 'not_as_described';
export type DisputeStatus = 'opening' | 'chargeback_sent' | 'merchant_responded' | 'deciding' | 'won' | 'lost' | 'rejected';

export interface LineDispute {
  readonly id: string;
  readonly status: DisputeStatus;
  readonly reason: DisputeReason;
  readonly amount: number;
  readonly provisional_credit: number;
}

/** `GET /issuer/v1/disputes/:id`: the case and each of its steps. */
export interface Dispute {
  readonly id: string;
  readonly card_id: string;
  readonly authorization_id: string;
  readonly reason: DisputeReason;
  readonly amount: { readonly amount_minor: number; readonly currency: string };
  readonly provisional_credit: number;
  readonly status: DisputeStatus;
  readonly evidence: string;
  readonly merchant_respond_by: string | null;
  readonly created_at: string;
  readonly closed_at: string | null;
  readonly steps: ReadonlyArray<{ readonly step: string; readonly detail: string; readonly amount_minor: number | null; readonly at: string }>;
}

export interface TraceAttempt {
  readonly reference: string | null;
  readonly created_at: string;
  readonly merchant: { readonly name: string | null; readonly country: string | null };
  readonly amount: number;
  readonly currency: string;
  readonly reached_network: boolean;
  readonly reached_issuer: boolean;
  readonly hops: ReadonlyArray<{ readonly party: string; readonly status: string; readonly summary: string; readonly reason: string | null }>;
  readonly verdict: { readonly outcome: string; readonly title: string; readonly explanation: string; readonly remedy: string | null; readonly seed_cause: string | null };
  readonly seed_remedy: { readonly recommended: boolean; readonly summary: string; readonly steps: readonly string[] };
}

export interface Trace {
  readonly summary: string;
  readonly attempts: readonly TraceAttempt[];
  readonly notes: readonly string[];
}

export interface CatalogueEntry {
  readonly reason: string;
  readonly decided_by: string;
  readonly seed_cause: string;
  readonly text: { readonly title: string; readonly explanation: string; readonly remedy: string };
}

export interface List<T> {
  readonly data: readonly T[];
}

/** GET /issuer/v1/notifications: one event the cardholder should hear about. */
export interface AppNotification {
  readonly id: string;
  readonly kind: 'authorization' | 'decline' | 'hold_release' | 'refund' | 'top_up' | 'withdrawal_paid' | 'withdrawal_failed' | 'dispute';
  readonly subject_id: string;
  readonly card_id: string | null;
  readonly card_last4: string | null;
  readonly merchant_name: string | null;
  readonly amount: { readonly amount_minor: number; readonly currency: string; readonly formatted: string };
  readonly reason: string | null;
  readonly reason_text: { readonly zh: string; readonly en: string } | null;
  readonly important: boolean;
  readonly sms_sent: boolean;
  readonly created_at: string;
  readonly read_at: string | null;
}

export interface NotificationPage {
  readonly data: readonly AppNotification[];
  readonly has_more: boolean;
  readonly unread_count: number;
}

/** GET /issuer/v1/card-offer: what opening a card costs this cardholder. */
export interface CardOffer {
  readonly opening_fee: { readonly amount: number; readonly currency: string; readonly waived: boolean; readonly program_amount: number };
  readonly max_cards: number;
  readonly cards_open: number;
}

/** GET /issuer/v1/cards/{id}/merchants: the accounts-per-merchant rule's state. */
export interface BoundMerchants {
  readonly max_accounts_per_merchant: number;
  readonly data: ReadonlyArray<{
    readonly merchant: { readonly acquirer: string; readonly id: string; readonly name: string; readonly mcc: string; readonly country: string };
    readonly accounts: number;
    readonly full: boolean;
    readonly first_bound_at: string;
    readonly last_bound_at: string;
  }>;
}
