import type { NewRiskRule } from './rule-types.ts';

/**
 * The rule at the heart of the seed: the merchant refuses prepaid (virtual)
 * cards when the customer pays by hand, but its own off-session charges —
 * auto-recharge, subscription renewals — go through. Limited to purchases,
 * because in the seed adding the card succeeds (its verification hold is
 * approved) and only the top-up is declined. Blocked before the network, so
 * the cardholder's issuer never sees the attempt.
 */
export const BLOCK_PREPAID_ON_CUSTOMER_INITIATED: NewRiskRule = Object.freeze({
  action: 'block',
  condition: Object.freeze({ kind: 'card_funding', in: Object.freeze(['prepaid'] as const) }),
  appliesTo: 'customer_initiated',
  purpose: 'purchase',
  description: 'Block prepaid cards on customer-initiated purchases',
});
