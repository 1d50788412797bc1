import { monthlyLimitReached, utcMonth } from './recharge-amount.ts';
import type { PauseReason } from './recharge-failures.ts';
import type { AutoRechargeSettings } from './recharge-settings.ts';

/**
 * What auto-recharge is doing, as the billing page must show it. Never "on"
 * while it cannot recharge (akash-network/console#3761): besides a pause
 * after declines, no default card to charge and a used-up monthly limit are
 * shown as paused too, with their reason — both end by themselves when the
 * cause does (a default card is set; the month turns).
 */

export type RechargeStatusName = 'off' | 'active' | 'paused';
export type PausedReason = PauseReason | 'no_default_card' | 'monthly_limit_reached';

export interface RechargeStatus {
  readonly status: RechargeStatusName;
  readonly pausedReason: PausedReason | null;
  /** When the next recharge may happen if needed: after a back-off or at the month's turn; null when it may happen now (or never, until a person acts). */
  readonly nextAttemptAtMs: number | null;
}

export function rechargeStatus(
  settings: AutoRechargeSettings | null,
  context: { readonly hasDefaultCard: boolean; readonly usedThisMonthMinor: number; readonly minimumMinor: number; readonly nowMs: number },
): RechargeStatus {
  if (settings === null || !settings.enabled) return { status: 'off', pausedReason: null, nextAttemptAtMs: null };
  if (settings.pausedReason !== null) return { status: 'paused', pausedReason: settings.pausedReason, nextAttemptAtMs: null };
  if (!context.hasDefaultCard) return { status: 'paused', pausedReason: 'no_default_card', nextAttemptAtMs: null };
  if (monthlyLimitReached({ monthlyLimitMinor: settings.monthlyLimitMinor, minimumMinor: context.minimumMinor }, context.usedThisMonthMinor)) {
    return { status: 'paused', pausedReason: 'monthly_limit_reached', nextAttemptAtMs: utcMonth(context.nowMs).endMs };
  }
  const backingOff = settings.nextAttemptAtMs !== null && settings.nextAttemptAtMs > context.nowMs;
  return { status: 'active', pausedReason: null, nextAttemptAtMs: backingOff ? settings.nextAttemptAtMs : null };
}
