import type { AppliesTo, RulePurpose } from '../acquirer/index.ts';
import type { AuthorizationPurpose, Initiator } from '../network/messages.ts';
import type { Decider } from './catalogue-types.ts';

/**
 * The seed's remedy — make the card the default payment method, turn on
 * auto-recharge, keep at least the recharge minimum plus the verification
 * hold on the card, and let the merchant charge it — works only in one
 * situation: the merchant refused the payment with a rule that looks at
 * customer-initiated payments only, and nothing else would refuse the
 * merchant's own (merchant-initiated) charge. Anywhere else it would send
 * the cardholder round in circles, so the doctor recommends it only when
 * the trace shows every one of these:
 *
 *  1. the decline was a merchant's risk rule (not the issuer, the network,
 *     or the acquirer's own risk list);
 *  2. that rule's scope is customer-initiated payments only;
 *  3. the declined attempt was customer-initiated;
 *  4. the rule looks at purchases only — a rule on every payment also
 *     blocks the card verification (customer-initiated) that saving the
 *     card needs, so the card could never become the default;
 *  5. no other rule of the merchant would block a merchant-initiated
 *     purchase of this card (see mit-blockers.ts);
 *  6. the issuer is shown to accept this card at this merchant: the
 *     merchant's records hold an issuer approval of it (its verification,
 *     say), and nothing the view may see says the issuer would now refuse.
 *
 * Pure: the caller gathers the facts its view may see.
 */

export type IssuerOutlook =
  | { readonly kind: 'accepts'; readonly evidence: 'verified_at_merchant' | 'approved_at_merchant' }
  | { readonly kind: 'declines'; readonly reason: string }
  | { readonly kind: 'unknown' };

export interface SeedRemedyFacts {
  readonly decidedBy: Decider | null;
  readonly attempt: { readonly initiator: Initiator; readonly purpose: AuthorizationPurpose };
  /** The merchant rule that declined, when one did. */
  readonly rule: { readonly appliesTo: AppliesTo; readonly purpose: RulePurpose } | null;
  /** Other rules of the merchant that would block a merchant-initiated purchase of this card. */
  readonly mitBlockers: readonly string[];
  readonly issuer: IssuerOutlook;
}

export const SEED_REMEDY_REFUSALS = [
  'not_a_merchant_rule',
  'rule_covers_merchant_initiated',
  'not_customer_initiated',
  'rule_blocks_saving_the_card',
  'other_rule_blocks_merchant_initiated',
  'issuer_would_decline',
  'issuer_acceptance_unknown',
] as const;
export type SeedRemedyRefusal = (typeof SEED_REMEDY_REFUSALS)[number];

export type SeedRemedyDecision = { readonly recommended: true } | { readonly recommended: false; readonly because: SeedRemedyRefusal };

export function decideSeedRemedy(facts: SeedRemedyFacts): SeedRemedyDecision {
  const no = (because: SeedRemedyRefusal): SeedRemedyDecision => ({ recommended: false, because });
  if (facts.decidedBy !== 'acquirer_rule' || facts.rule === null) return no('not_a_merchant_rule');
  if (facts.rule.appliesTo !== 'customer_initiated') return no('rule_covers_merchant_initiated');
  if (facts.attempt.initiator !== 'customer') return no('not_customer_initiated');
  if (facts.rule.purpose !== 'purchase') return no('rule_blocks_saving_the_card');
  if (facts.mitBlockers.length > 0) return no('other_rule_blocks_merchant_initiated');
  if (facts.issuer.kind === 'declines') return no('issuer_would_decline');
  if (facts.issuer.kind === 'unknown') return no('issuer_acceptance_unknown');
  return { recommended: true };
}

/**
 * What to keep on the card: the merchant's recharge minimum (or, when the
 * doctor does not know it, the amount it tried to charge) plus its
 * verification hold — the seed's "$10 + $5, so at least $15".
 */
export function amountToKeepOnCard(input: { readonly rechargeMinimumMinor: number | null; readonly attemptAmountMinor: number; readonly verificationHoldMinor: number }): number {
  const charge = Math.max(input.rechargeMinimumMinor ?? input.attemptAmountMinor, 0);
  return charge + Math.max(input.verificationHoldMinor, 0);
}
