import type { Explanation } from './story-doctor.ts';
import type { Reconciliation } from './story-reconcile.ts';

/**
 * What each step of the story established, as `--json` prints it: stable
 * snake_case fields, amounts in US cents (CNY in fen where named so),
 * independent of the narration's language. The narration (story-text.ts)
 * is written from these same facts, so the words and the figures cannot
 * drift apart.
 */

export interface SetupFacts {
  readonly url: string;
  readonly database: string;
  readonly data_dir: string;
  readonly merchant: { readonly id: string; readonly name: string };
  readonly rule: { readonly id: string; readonly description: string | null; readonly applies_to: string; readonly purpose: string; readonly predicate: string };
  /** The merchant's card verification: the hold's amount and how long it keeps it (account settings). */
  readonly verification: { readonly amount: number; readonly release_after_hours: number };
  readonly organization: { readonly id: string; readonly name: string };
}

export interface ReferrerFacts {
  readonly cardholder: string;
  readonly phone: string;
  readonly invite_code: string;
}

export interface SignUpFacts {
  readonly cardholder: string;
  readonly phone: string;
  readonly invite_code_used: string;
  readonly opening_fee_waived: boolean;
}

export interface KycFacts {
  readonly verification: string;
  readonly started_status: string;
  readonly status: string;
}

export interface TopUpFacts {
  readonly top_up: string;
  readonly cny_amount_fen: number;
  readonly fee_fen: number;
  readonly rate: string;
  readonly usd_amount: number;
  readonly status: string;
  readonly wallet_available: number;
}

export interface CardOpenedFacts {
  readonly card: string;
  readonly last4: string;
  readonly opening_fee: number;
  readonly fee_waived: boolean;
}

export interface CardLoadedFacts {
  readonly card: string;
  readonly amount: number;
  readonly card_available: number;
  readonly wallet_available: number;
}

export interface CardRevealedFacts {
  readonly card: string;
  /** How far the story's clock skipped ahead for the SMS cooldown. */
  readonly clock_skipped_ms: number;
  readonly last4: string;
  readonly exp_month: number;
  readonly exp_year: number;
}

export interface CardAddedFacts {
  readonly organization: string;
  readonly payment_method: string;
  readonly brand: string;
  readonly last4: string;
  readonly funding: string;
  readonly country: string | null;
  readonly verification: {
    readonly payment: string | null;
    readonly hold: number;
    readonly issuer_authorization: string;
    /** The hold's amount as the cardholder's issuer approved it. */
    readonly issuer_amount: number;
    /** The hold as the cardholder's issuer recorded it: still open (the merchant keeps it), `reversed` once released. */
    readonly issuer_status: string;
    readonly held_now: number;
    readonly released: boolean;
    /** When the merchant releases it (its setting), ISO 8601 and in the reader's time. */
    readonly release_due_at: string;
    readonly release_due_local: string;
  };
  readonly card_available: number;
  readonly card_held: number;
}

export interface PurchaseDeclinedFacts {
  readonly payment: string;
  readonly amount: number;
  readonly initiator: string;
  readonly http_status: number;
  readonly code: string;
  readonly decline_code: string | null;
  readonly message: string;
  /** What the merchant's support can tell the customer (the merchant view, without its rule's internals). */
  readonly doctor: Explanation;
  /** What the cardholder's issuer-side doctor says of the same payment. */
  readonly cardholder_doctor: Explanation;
  /** Whether the card's statement got a line: no, it never reached the issuer. */
  readonly on_card_statement: boolean;
  readonly card_available: number;
}

export interface AutoRechargeOnFacts {
  readonly default_payment_method: string;
  readonly enabled: boolean;
  readonly status: string;
  readonly threshold: number;
  readonly target: number;
  readonly recharge_minimum: number;
  readonly credit_balance: number;
}

export interface RechargeFacts {
  readonly payment: string;
  readonly amount: number;
  readonly initiator: string;
  readonly status: string;
  readonly decline_code: string | null;
  readonly network_decline_code: string | null;
  readonly receipt: string | null;
  /** `story`: the story's run of the recharge job charged; `background`: the job's own run (or usage's nudge) got there first. */
  readonly ran_by: 'story' | 'background';
}

export interface RechargeSucceededFacts extends RechargeFacts {
  /** What the card had available when the recharge ran: the load less the verification hold still on it. */
  readonly card_available_before: number;
  readonly card_held_before: number;
  readonly credit_balance: number;
  readonly card_available: number;
}

export interface SpendingFacts {
  readonly model: string;
  readonly requests: number;
  readonly succeeded: number;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly spent: number;
  readonly refused_with: string | null;
  readonly refused_status: number | null;
  readonly credit_balance: number;
  /** The recharge the falling balance set off, and after which request. */
  readonly recharge: (RechargeFacts & { readonly after_request: number }) | null;
  readonly card_available: number;
}

export interface RechargeExplainedFacts {
  readonly payment: string;
  readonly doctor: Explanation;
  readonly cardholder_doctor: Explanation;
  readonly auto_recharge: { readonly status: string; readonly paused_reason: string | null; readonly next_attempt_at: string | null };
}

/** The cardholder follows the doctor: a second Alipay top-up and the shortfall onto the card. */
export interface CardReloadedFacts {
  readonly load_at_least: number;
  readonly top_up: string;
  readonly cny_amount_fen: number;
  readonly usd_amount: number;
  readonly amount: number;
  readonly card_available: number;
  readonly wallet_available: number;
}

/** The customer turns auto-recharge on again; the job's next run charges the card. */
export interface RechargeRecoveredFacts extends RechargeFacts {
  readonly status_after: string;
  readonly credit_balance: number;
  readonly card_available: number;
  readonly card_held: number;
}

/** The API answers again. */
export interface ApiAnswersFacts {
  readonly model: string;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly cost: number;
  readonly credit_balance: number;
}

/** The merchant's background task releases the verification hold at its time. */
export interface HoldReleasedFacts {
  readonly clock_skipped_ms: number;
  readonly issuer_authorization: string;
  readonly issuer_status: string;
  readonly released: number;
  readonly card_available: number;
  readonly card_held: number;
}

/** A Plus payment as the story reports it (the first period's, or a renewal's). */
export interface PlusPaymentFacts {
  readonly organization: string;
  readonly subscription: string;
  readonly status: string;
  readonly payment: string;
  readonly initiator: string;
  readonly payment_status: string;
  readonly amount: number;
  /** The paid period's end, ISO 8601 and in the reader's time. */
  readonly current_period_end: string;
  readonly current_period_end_local: string;
}

/**
 * The cardholder loads the card for ChatGPT Plus on four accounts (the
 * seed's 每张卡可支付 4 个 ChatGPT 账户) and the story's organization
 * subscribes: customer-initiated, through the merchant's prepaid rule
 * because the rule exempts Plus (`metadata[product]=plus`).
 */
export interface PlusSubscribedFacts {
  readonly plan: string;
  readonly price: number;
  readonly top_up: string;
  readonly cny_amount_fen: number;
  readonly loaded: number;
  /** The merchant's rule and its exemption, as the merchant reads it. */
  readonly rule_exempts: string;
  readonly plus: PlusPaymentFacts;
  readonly card_available: number;
}

/** Three more accounts add the card and subscribe; the card's accounts-per-merchant rule refuses a fifth account, and the doctor says why. */
export interface PlusAccountsFacts {
  readonly max_accounts_per_merchant: number;
  readonly accounts: readonly (PlusPaymentFacts & { readonly payment_method: string; readonly verification_hold: number })[];
  /** The merchant's line among the card's bound merchants once four accounts paid. */
  readonly bound: { readonly merchant: string; readonly accounts: number; readonly full: boolean };
  readonly fifth: {
    readonly organization: string;
    readonly payment: string;
    readonly http_status: number;
    readonly code: string;
    readonly decline_code: string | null;
    readonly network_decline_code: string | null;
    readonly doctor: Explanation;
    readonly cardholder_doctor: Explanation;
  };
  readonly card_available: number;
  readonly card_held: number;
}

/**
 * Hours later the merchant releases the new accounts' verification holds;
 * the cardholder loads next month's Plus; a month later the renewal job
 * charges the four subscriptions off-session, and the cardholder, whose
 * app session has lapsed meanwhile, signs in again to read the card.
 */
export interface PlusRenewedFacts {
  readonly holds_clock_skipped_ms: number;
  readonly verification_holds_released: number;
  /** What the cardholder loaded for the renewals. */
  readonly loaded: number;
  readonly top_up: string;
  readonly cny_amount_fen: number;
  readonly clock_skipped_ms: number;
  readonly signed_in_again: boolean;
  readonly renewals: readonly PlusPaymentFacts[];
  readonly card_available: number;
  readonly card_held: number;
}

/** What is left goes back: card → wallet → Alipay. */
export interface WithdrawnFacts {
  readonly unloaded: number;
  readonly withdrawal: string;
  readonly amount: number;
  readonly fee: number;
  readonly payout: number;
  readonly payout_cny_fen: number;
  readonly status: string;
  readonly card_available: number;
  readonly wallet_available: number;
}

export interface ReconciledFacts extends Reconciliation {
  readonly card: string;
  /** Every organization that paid with the card: the story's and the Plus accounts (the fifth's refused verification included). */
  readonly organizations: readonly string[];
  readonly card_available: number;
  readonly credits_bought: number;
  readonly credits_used: number;
  readonly credit_balance: number;
}

export interface AuditFacts {
  readonly ok: boolean;
  readonly checks: number;
  readonly failed: readonly string[];
  readonly accounts: number;
  readonly transfers: number;
}

export interface StepFacts {
  readonly setup: SetupFacts;
  readonly referrer: ReferrerFacts;
  readonly sign_up: SignUpFacts;
  readonly kyc: KycFacts;
  readonly top_up: TopUpFacts;
  readonly card_opened: CardOpenedFacts;
  readonly card_loaded: CardLoadedFacts;
  readonly card_revealed: CardRevealedFacts;
  readonly card_added: CardAddedFacts;
  readonly purchase_declined: PurchaseDeclinedFacts;
  readonly auto_recharge_on: AutoRechargeOnFacts;
  readonly recharge_succeeded: RechargeSucceededFacts;
  readonly spending: SpendingFacts;
  readonly recharge_declined_explained: RechargeExplainedFacts;
  readonly card_reloaded: CardReloadedFacts;
  readonly recharge_recovered: RechargeRecoveredFacts;
  readonly api_answers: ApiAnswersFacts;
  readonly hold_released: HoldReleasedFacts;
  readonly plus_subscribed: PlusSubscribedFacts;
  readonly plus_accounts: PlusAccountsFacts;
  readonly plus_renewed: PlusRenewedFacts;
  readonly withdrawn: WithdrawnFacts;
  readonly reconciled: ReconciledFacts;
  readonly audit: AuditFacts;
}

export type StepId = keyof StepFacts;

/** The steps in the order the story tells them. */
export const STEP_IDS: readonly StepId[] = [
  'setup',
  'referrer',
  'sign_up',
  'kyc',
  'top_up',
  'card_opened',
  'card_loaded',
  'card_revealed',
  'card_added',
  'purchase_declined',
  'auto_recharge_on',
  'recharge_succeeded',
  'spending',
  'recharge_declined_explained',
  'card_reloaded',
  'recharge_recovered',
  'api_answers',
  'hold_released',
  'plus_subscribed',
  'plus_accounts',
  'plus_renewed',
  'withdrawn',
  'reconciled',
  'audit',
];

export interface StoryStep<Id extends StepId = StepId> {
  readonly step: Id;
  /** 1-based, in STEP_IDS order. */
  readonly number: number;
  readonly title: string;
  /** The narration, in the story's language. */
  readonly narration: readonly string[];
  readonly facts: StepFacts[Id];
}
