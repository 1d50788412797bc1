import type { CardFunding } from '../../network/messages.ts';

/**
 * A merchant's risk rules, like Stripe Radar's: an action, one typed
 * condition and a scope (which payments the rule looks at). The condition's
 * JSON is what the API shows and what is stored, so there is one shape.
 */

export const RISK_ACTIONS = ['block', 'allow'] as const;
export type RiskAction = (typeof RISK_ACTIONS)[number];

/** Which payments a rule looks at: CIT, MIT (`off_session=true`) or both. */
export const APPLIES_TO = ['all', 'customer_initiated', 'merchant_initiated'] as const;
export type AppliesTo = (typeof APPLIES_TO)[number];

/** Payments, card verifications (setup intents, the hold when a card is added) or both. */
export const RULE_PURPOSES = ['all', 'purchase', 'account_verification'] as const;
export type RulePurpose = (typeof RULE_PURPOSES)[number];

export const CARD_FUNDINGS = ['credit', 'debit', 'prepaid', 'unknown'] as const satisfies readonly CardFunding[];

export const VELOCITY_KEYS = ['card_fingerprint', 'customer'] as const;
export type VelocityKey = (typeof VELOCITY_KEYS)[number];

export type CardCountryCondition =
  | { readonly kind: 'card_country'; readonly in: readonly string[] }
  | { readonly kind: 'card_country'; readonly not_in: readonly string[] };

export interface CardFundingCondition {
  readonly kind: 'card_funding';
  readonly in: readonly CardFunding[];
}

/**
 * At most `max_attempts` authorization attempts (blocked ones included, as
 * Radar counts) per card fingerprint or per customer at this merchant within
 * the last `window_seconds`; the attempt that would exceed it is blocked.
 */
export interface VelocityCondition {
  readonly kind: 'velocity';
  readonly per: VelocityKey;
  readonly max_attempts: number;
  readonly window_seconds: number;
}

/** Payments in `currency` (lower case, as Stripe writes it) of more than `above_minor`. */
export interface AmountCondition {
  readonly kind: 'amount';
  readonly currency: string;
  readonly above_minor: number;
}

/** Acts on the issuer's address check, after the issuer answered. */
export interface AvsCondition {
  readonly kind: 'avs';
  readonly block_if_line1_fails: boolean;
  readonly block_if_postal_code_fails: boolean;
}

/** Acts on the issuer's CVC check, after the issuer answered. */
export interface CvcCondition {
  readonly kind: 'cvc';
  readonly block_if_fails: true;
}

/** The issuer's account-name results a `name_check` rule refuses (`match` and `unavailable` never block). */
export const NAME_CHECK_BLOCKABLE = ['no_match', 'partial_match'] as const;
export type BlockableNameCheck = (typeof NAME_CHECK_BLOCKABLE)[number];

/**
 * Acts on the issuer's account-name check (the name typed against the
 * card's), after the issuer answered: `in` lists the results that block.
 */
export interface NameCheckCondition {
  readonly kind: 'name_check';
  readonly in: readonly BlockableNameCheck[];
}

/** A list of card fingerprints: a blocklist with `block`, an allowlist with `allow`. */
export interface CardFingerprintCondition {
  readonly kind: 'card_fingerprint';
  readonly in: readonly string[];
}

export type RiskCondition =
  | CardCountryCondition
  | CardFundingCondition
  | VelocityCondition
  | AmountCondition
  | AvsCondition
  | CvcCondition
  | NameCheckCondition
  | CardFingerprintCondition;

export type ConditionKind = RiskCondition['kind'];

export const CONDITION_KINDS = ['card_country', 'card_funding', 'velocity', 'amount', 'avs', 'cvc', 'name_check', 'card_fingerprint'] as const satisfies readonly ConditionKind[];

/** Conditions on the issuer's answer: evaluated after the authorization, never before. */
export const POST_AUTHORIZATION_KINDS: ReadonlySet<ConditionKind> = new Set(['avs', 'cvc', 'name_check']);

/**
 * Conditions an `allow` rule may have. Allowing "when the CVC failed" or
 * "when the velocity is exceeded" would be a mistake nobody means, so those
 * kinds are block-only.
 */
export const ALLOWABLE_KINDS: ReadonlySet<ConditionKind> = new Set(['card_country', 'card_funding', 'amount', 'card_fingerprint']);

/**
 * Which payments a rule looks at by what the merchant's own payment says,
 * as Radar rules can (`::product:: = 'plus'`): every listed metadata key
 * with exactly its value, and/or the description containing a text (case
 * does not matter). A rule's `only_when` makes it look only at payments that
 * match; its `except_when` exempts them — e.g. a rule refusing prepaid cards
 * except for the Plus subscription (`except_when[metadata][product]=plus`).
 * A card verification has no metadata or description: it matches neither.
 */
export interface PaymentScope {
  readonly metadata?: Readonly<Record<string, string>>;
  readonly description_contains?: string;
}

export interface RiskRule {
  readonly id: string;
  readonly merchantId: string;
  readonly action: RiskAction;
  readonly condition: RiskCondition;
  readonly appliesTo: AppliesTo;
  readonly purpose: RulePurpose;
  /** Looks only at payments matching this (PaymentScope); null: every payment in scope. */
  readonly onlyWhen?: PaymentScope | null;
  /** Looks at no payment matching this; null: exempts nothing. */
  readonly exceptWhen?: PaymentScope | null;
  readonly enabled: boolean;
  /** The merchant's own words; null when none were given (people then see `describeRule`). */
  readonly description: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /** Set when the merchant deleted the rule; the row is kept so old blocks can still be explained. */
  readonly deletedAtMs: number | null;
}

/** What a new rule needs; `appliesTo` and `purpose` default to `all`, `enabled` to true. */
export interface NewRiskRule {
  readonly action?: RiskAction;
  readonly condition: RiskCondition;
  readonly appliesTo?: AppliesTo;
  readonly purpose?: RulePurpose;
  readonly onlyWhen?: PaymentScope | null;
  readonly exceptWhen?: PaymentScope | null;
  readonly enabled?: boolean;
  readonly description?: string | null;
  readonly metadata?: Readonly<Record<string, string>>;
}
