/** What the operator routes answer (their schemas are in the OpenAPI document, /openapi.json). */

/** A text the API sends in both languages, keyed by the page's language. */
export type Bilingual = { readonly en: string; readonly 'zh-CN': string };

export interface Amount {
  readonly amount_minor: number;
  readonly currency: string;
  readonly formatted?: string;
}

export interface Session {
  readonly operator_key: { readonly id: string; readonly name: string; readonly prefix: string };
  readonly expires_at: string;
  readonly csrf_token: string;
}

export interface Page<I> {
  readonly data: I[];
  readonly has_more: boolean;
  readonly next_cursor: string | null;
}

export interface Cardholder {
  readonly id: string;
  readonly phone: string;
}

export interface KycItem {
  readonly id: string;
  readonly status: 'pending' | 'approved' | 'rejected';
  /** A reason code (KycReason's); null unless rejected. */
  readonly reason: string | null;
  readonly internal_note: string | null;
  /** A rejection from before the reason codes: the free text the cardholder was shown. */
  readonly legacy_reason_text: string | null;
  readonly cardholder: Cardholder;
  readonly created_at: string;
  readonly completed_at: string | null;
}

/** A reason a verification may be rejected with (GET /operator/kyc/reasons), and what the cardholder is told. */
export interface KycReason {
  readonly code: string;
  readonly title: Bilingual;
  readonly can_resubmit: boolean;
  readonly cardholder: { readonly reason: string; readonly reason_text: Bilingual; readonly next_step: Bilingual };
}

export interface TopUpItem {
  readonly id: string;
  readonly status: string;
  readonly cny_amount: Amount;
  readonly fee: Amount;
  readonly rate: string;
  readonly usd_amount: Amount;
  readonly cardholder: Cardholder;
  readonly created_at: string;
}

export interface WithdrawalItem {
  readonly id: string;
  readonly status: string;
  readonly amount: Amount;
  readonly fee: Amount;
  readonly payout_cny: Amount;
  readonly failure_reason: string | null;
  readonly cardholder: Cardholder;
  readonly created_at: string;
}

export interface DisputeItem {
  readonly id: string;
  readonly status: string;
  readonly reason: string;
  readonly network: { readonly scheme: string; readonly reason_code: string; readonly title: string };
  readonly amount: Amount;
  readonly provisional_credit: Amount;
  readonly cardholder: Cardholder;
  readonly card: { readonly id: string; readonly last4: string | null };
  readonly merchant_name: string | null;
  readonly evidence: string;
  readonly merchant_evidence: Readonly<Record<string, string>> | null;
  readonly winner: 'cardholder' | 'merchant' | null;
  readonly merchant_respond_by: string;
  readonly created_at: string;
  readonly closed_at: string | null;
}

export interface DeclineGroup {
  readonly decided_by: 'issuer' | 'network';
  readonly response_code: string;
  readonly reason: string;
  readonly count: number;
  readonly retryable: boolean;
  readonly title: Bilingual;
}

export interface DeclineSummary {
  readonly from: string;
  readonly to: string;
  readonly authorizations: number;
  readonly approved: number;
  readonly declined: number;
  readonly causes: ReadonlyArray<{ readonly seed_cause: string; readonly title: Bilingual; readonly count: number; readonly groups: readonly DeclineGroup[] }>;
}

export interface DeclineItem {
  readonly id: string;
  readonly answered_at: string;
  readonly decided_by: 'issuer' | 'network';
  readonly response_code: string;
  readonly seed_cause: string;
  readonly cause_title: Bilingual;
  readonly title: Bilingual;
  readonly initiator: string | null;
  readonly card: { readonly brand: string | null; readonly last4: string | null };
  readonly merchant: { readonly name: string | null };
  readonly amount: Amount | null;
}

export interface AuditAnswer {
  readonly ok: boolean;
  readonly checked_at: string;
  readonly stats: { readonly accounts: number; readonly transfers: number; readonly journal_sealed: number; readonly journal_unsealed: number };
  readonly checks: ReadonlyArray<{ readonly name: string; readonly title: Bilingual; readonly ok: boolean; readonly failures: readonly string[] }>;
}
