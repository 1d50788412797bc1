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

/**
 * The demo merchant's version of that rule: the same block, except for the
 * Plus subscription (`except_when[metadata][product]=plus`, as a Radar rule
 * would say it). A subscription's first payment is customer-initiated, so
 * without the exemption a prepaid card could never start Plus — while a
 * credit purchase by hand stays refused, as in the seed.
 */
export const BLOCK_PREPAID_ON_CUSTOMER_INITIATED_EXCEPT_PLUS: NewRiskRule = Object.freeze({
  ...BLOCK_PREPAID_ON_CUSTOMER_INITIATED,
  exceptWhen: Object.freeze({ metadata: Object.freeze({ product: 'plus' }) }),
  description: 'Block prepaid cards on customer-initiated purchases, except the Plus subscription',
});
