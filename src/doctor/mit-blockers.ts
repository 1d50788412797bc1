import type { RiskRule } from '../acquirer/index.ts';

/**
 * Which of a merchant's rules would block a merchant-initiated (off-session)
 * purchase of this card — the question behind the seed's remedy: once the
 * card is the default and auto-recharge is on, the merchant charges it
 * itself; does anything in its rules stop that?
 *
 * This restates the evaluator's order (src/acquirer/risk/evaluate.ts) for
 * one kind of payment, without touching the database: a matching allow rule
 * in scope lets everything through; otherwise every block rule in scope
 * whose condition matches is a blocker. What cannot be known ahead is
 * treated the way it would most likely turn out:
 *  - velocity rules count recent attempts: a single recharge is one
 *    attempt, so they are not counted as blockers;
 *  - AVS rules act on the issuer's address check: they block when the
 *    card's last known check of that field failed;
 *  - CVC rules never block: an off-session charge sends no CVC, and an
 *    unchecked CVC never blocks.
 * A test runs the same cases through the real evaluator.
 */

export interface MitCard {
  readonly country: string | null;
  readonly funding: string | null;
  readonly fingerprint: string | null;
  /** The card's last known AVS results (Stripe's checks: null when not given). */
  readonly checks: { readonly address_line1_check: string | null; readonly address_postal_code_check: string | null };
}

export interface MitPayment {
  readonly amountMinor: number;
  /** ISO 4217, any case. */
  readonly currency: string;
}

/** Ids of the enabled, live rules that would block this card's merchant-initiated purchase, oldest first. */
export function mitBlockingRules(rules: readonly RiskRule[], card: MitCard, payment: MitPayment): string[] {
  return blockingRules(rules, card, payment, 'customer_initiated');
}

/**
 * The same question for a purchase the customer makes by hand: after a
 * declined recharge, would paying by hand get through? (At the seed's
 * merchant it would not: its rule refuses prepaid cards on exactly those.)
 */
export function citBlockingRules(rules: readonly RiskRule[], card: MitCard, payment: MitPayment): string[] {
  return blockingRules(rules, card, payment, 'merchant_initiated');
}

function blockingRules(rules: readonly RiskRule[], card: MitCard, payment: MitPayment, otherScope: 'customer_initiated' | 'merchant_initiated'): string[] {
  const inScope = rules.filter(
    (rule) => rule.enabled && rule.deletedAtMs === null && rule.appliesTo !== otherScope && rule.purpose !== 'account_verification',
  );
  if (inScope.some((rule) => rule.action === 'allow' && matchesStatic(rule, card, payment))) return [];
  return inScope.filter((rule) => rule.action === 'block' && blocks(rule, card, payment)).map((rule) => rule.id);
}

function blocks(rule: RiskRule, card: MitCard, payment: MitPayment): boolean {
  const c = rule.condition;
  switch (c.kind) {
    case 'velocity':
    case 'cvc':
    case 'name_check':
      return false;
    case 'avs':
      return (
        (c.block_if_postal_code_fails && card.checks.address_postal_code_check === 'fail') ||
        (c.block_if_line1_fails && card.checks.address_line1_check === 'fail')
      );
    default:
      return matchesStatic(rule, card, payment);
  }
}

function matchesStatic(rule: RiskRule, card: MitCard, payment: MitPayment): boolean {
  const c = rule.condition;
  switch (c.kind) {
    case 'card_country': {
      // The acquirer evaluates an unknown country as `ZZ` (card-attempt.ts).
      const country = (card.country ?? 'ZZ').toUpperCase();
      return 'in' in c ? c.in.includes(country) : !c.not_in.includes(country);
    }
    case 'card_funding':
      return card.funding !== null && (c.in as readonly string[]).includes(card.funding);
    case 'amount':
      return payment.currency.toLowerCase() === c.currency && payment.amountMinor > c.above_minor;
    case 'card_fingerprint':
      return card.fingerprint !== null && c.in.includes(card.fingerprint);
    case 'velocity':
    case 'avs':
    case 'cvc':
    case 'name_check':
      return false;
  }
}
