import type { BillingConfig } from '../config.ts';
import { BillingError } from '../errors.ts';

/**
 * The owner's auto-recharge rule, checked before it is saved. The limits
 * follow from what a recharge is: at least the minimum recharge, at most the
 * largest single payment billing makes, bringing the balance up to the
 * target — so a target below the minimum, above the largest payment, or not
 * above the threshold describes no recharge that could happen.
 */

export interface RuleInput {
  readonly thresholdMinor: number;
  readonly targetMinor: number;
  readonly monthlyLimitMinor: number | null;
}

/** $10M: keeps every sum of a month's recharges far inside safe integers. */
export const MONTHLY_LIMIT_MAX_MINOR = 1_000_000_000;

export function checkRule(rule: RuleInput, config: Pick<BillingConfig, 'rechargeMinimumMinor' | 'purchaseMaximumMinor'>): void {
  const { rechargeMinimumMinor: min, purchaseMaximumMinor: max } = config;
  const whole = (value: number) => Number.isSafeInteger(value);
  if (!whole(rule.thresholdMinor) || rule.thresholdMinor < 0 || rule.thresholdMinor >= max) {
    throw new BillingError('auto_recharge_threshold_invalid', `The threshold is a whole number of cents from 0 to ${max - 1}.`, { param: 'threshold' });
  }
  if (!whole(rule.targetMinor) || rule.targetMinor <= rule.thresholdMinor || rule.targetMinor < min || rule.targetMinor > max) {
    throw new BillingError(
      'auto_recharge_target_invalid',
      `The target balance must be above the threshold, at least the minimum recharge (${min} cents) and at most ${max} cents.`,
      { param: 'target' },
    );
  }
  if (rule.monthlyLimitMinor !== null && (!whole(rule.monthlyLimitMinor) || rule.monthlyLimitMinor < min || rule.monthlyLimitMinor > MONTHLY_LIMIT_MAX_MINOR)) {
    throw new BillingError(
      'auto_recharge_monthly_limit_invalid',
      `The monthly limit is null (no limit) or from the minimum recharge (${min} cents) to ${MONTHLY_LIMIT_MAX_MINOR} cents.`,
      { param: 'monthly_limit' },
    );
  }
}
