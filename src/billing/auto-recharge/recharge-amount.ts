/**
 * How much one auto-recharge charges — a pure function of the organization's
 * rule and its state, so every case can be listed and property-tested.
 *
 * OpenAI's rules ("Setting up and managing prepaid API billing"): a recharge
 * fires when the balance falls *below* the threshold and brings it back up
 * to the target, never less than the minimum recharge; with a monthly limit,
 * a recharge that would pass the limit adds only what is left of it — if
 * that still meets the minimum — and at the limit no more recharges happen
 * that month. Manual purchases do not count toward the limit (the caller
 * sums recharges only).
 *
 * The balance is counted with the recharges still in flight (Lago's
 * threshold top-up guard), so a recharge whose answer is not back yet is
 * never paid for twice. A single charge is also kept within the largest
 * payment billing makes (`maximumMinor`), rather than asking the provider for
 * more and failing silently (Lago PR #5992); a balance that far below the
 * target is brought up by the next recharge.
 */

export interface RechargeRule {
  readonly thresholdMinor: number;
  readonly targetMinor: number;
  /** Null: no monthly limit. */
  readonly monthlyLimitMinor: number | null;
  /** The smallest recharge (config.billing.rechargeMinimumMinor; the seed's $10). */
  readonly minimumMinor: number;
  /** The largest single payment (config.billing.purchaseMaximumMinor). */
  readonly maximumMinor: number;
}

export interface RechargeState {
  /** What the organization can spend now; negative after a refund of spent credits. */
  readonly balanceMinor: number;
  /** Recharges charged but not yet answered. */
  readonly inFlightMinor: number;
  /** Recharges this calendar month (UTC), succeeded or in flight, net of refunds. */
  readonly usedThisMonthMinor: number;
}

export type RechargeDecision =
  | {
      readonly action: 'charge';
      readonly amountMinor: number;
      /** What kept the amount below what the target needs, if anything. */
      readonly cappedBy: null | 'monthly_limit' | 'maximum';
    }
  | { readonly action: 'skip'; readonly reason: 'above_threshold' | 'monthly_limit_reached' };

export function rechargeAmount(rule: RechargeRule, state: RechargeState): RechargeDecision {
  assertRule(rule);
  for (const [name, value] of Object.entries(state)) {
    if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a whole number of cents`);
  }
  if (state.inFlightMinor < 0 || state.usedThisMonthMinor < 0) throw new RangeError('in-flight and used amounts are never negative');

  const effective = state.balanceMinor + state.inFlightMinor;
  if (effective >= rule.thresholdMinor) return { action: 'skip', reason: 'above_threshold' };

  const needed = rule.targetMinor - effective;
  let amount = Math.max(needed, rule.minimumMinor);
  let cappedBy: 'monthly_limit' | 'maximum' | null = null;
  if (amount > rule.maximumMinor) {
    amount = rule.maximumMinor;
    cappedBy = 'maximum';
  }
  if (rule.monthlyLimitMinor !== null) {
    const remaining = rule.monthlyLimitMinor - state.usedThisMonthMinor;
    if (remaining < amount) {
      if (remaining < rule.minimumMinor) return { action: 'skip', reason: 'monthly_limit_reached' };
      amount = remaining;
      cappedBy = 'monthly_limit';
    }
  }
  return { action: 'charge', amountMinor: amount, cappedBy };
}

/** True when no recharge can be made this month any more: what is left of the limit is below the minimum. */
export function monthlyLimitReached(rule: Pick<RechargeRule, 'monthlyLimitMinor' | 'minimumMinor'>, usedThisMonthMinor: number): boolean {
  return rule.monthlyLimitMinor !== null && rule.monthlyLimitMinor - usedThisMonthMinor < rule.minimumMinor;
}

function assertRule(rule: RechargeRule): void {
  for (const [name, value] of Object.entries(rule)) {
    if (value !== null && (!Number.isSafeInteger(value) || value < 0)) throw new RangeError(`${name} must be a non-negative whole number of cents`);
  }
  if (rule.minimumMinor < 1 || rule.maximumMinor < rule.minimumMinor) throw new RangeError('the recharge minimum must be positive and at most the maximum');
  if (rule.targetMinor <= rule.thresholdMinor) throw new RangeError('the target must be above the threshold');
}

/** The UTC calendar month holding `nowMs`: [start, end). Monthly limits reset at its end. */
export function utcMonth(nowMs: number): { readonly startMs: number; readonly endMs: number } {
  const now = new Date(nowMs);
  return { startMs: Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), endMs: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) };
}
