/**
 * The acquirer's own highest-risk list, checked before any merchant rule and
 * not overridable by a merchant's allow rule: Stripe's test card
 * 4100000000000019 is "always blocked by risk" (`fraudulent`), and in
 * Cardlane that risk check belongs to the acquirer, in front of the network
 * (the test bank behind it would approve the card).
 *
 * The payment code calls `isHighestRiskCard` with the number it holds in
 * memory and passes the answer to the evaluator as `highestRisk`, so the
 * evaluator never sees a card number.
 */
const HIGHEST_RISK_NUMBERS: ReadonlySet<string> = new Set(['4100000000000019', '4000000000004954']);

export function isHighestRiskCard(pan: string): boolean {
  return HIGHEST_RISK_NUMBERS.has(pan);
}

export const HIGHEST_RISK_DESCRIPTION = "Cardlane's built-in rule: block payments with the highest risk level";
export const HIGHEST_RISK_PREDICATE = ":risk_level: = 'highest'";
