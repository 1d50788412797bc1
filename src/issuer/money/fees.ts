import { convert, divideHalfEven } from '../../platform/fx.ts';
import { money } from '../../platform/money.ts';
import type { MoneySettings } from './settings.ts';

/**
 * The pure arithmetic of top-ups and withdrawals, kept apart so a table of
 * cases can pin it down. Amounts are integer minor units; the only
 * currency conversion is `convert` (half-even), and fees are separate
 * amounts, never hidden in the rounding.
 */

/** max(floor_minor, amount × bps / 10 000, rounded half-even). */
export function percentageFee(amountMinor: number, bps: number, floorMinor: number): number {
  const proportional = Number(divideHalfEven(BigInt(amountMinor) * BigInt(bps), 10_000n));
  return Math.max(floorMinor, proportional);
}

export interface TopUpFigures {
  readonly cny_amount_minor: number;
  readonly fee_cny_minor: number;
  /** What is exchanged: the amount paid less the fee. */
  readonly net_cny_minor: number;
  readonly rate: string;
  readonly usd_amount_minor: number;
}

/** Null when the amount is outside the configured range or would credit nothing. */
export function topUpFigures(cnyAmountMinor: number, settings: MoneySettings): TopUpFigures | null {
  if (!Number.isSafeInteger(cnyAmountMinor)) return null;
  if (cnyAmountMinor < settings.top_up_min_cny_minor || cnyAmountMinor > settings.top_up_max_cny_minor) return null;
  const fee = percentageFee(cnyAmountMinor, settings.top_up_fee_bps, settings.top_up_fee_min_cny_minor);
  const net = cnyAmountMinor - fee;
  if (net <= 0) return null;
  const usd = convert(money(net, 'CNY'), 'USD', { base: 'USD', quote: 'CNY', value: settings.usd_cny_rate }).amount_minor;
  if (usd <= 0) return null;
  return { cny_amount_minor: cnyAmountMinor, fee_cny_minor: fee, net_cny_minor: net, rate: settings.usd_cny_rate, usd_amount_minor: usd };
}

export interface WithdrawalFigures {
  /** Taken from the wallet. */
  readonly amount_usd_minor: number;
  readonly fee_usd_minor: number;
  /** Paid out: the amount less the fee, in USD and in CNY at the current rate. */
  readonly payout_usd_minor: number;
  readonly rate: string;
  readonly payout_cny_minor: number;
}

export function withdrawalFigures(amountUsdMinor: number, settings: MoneySettings): WithdrawalFigures | null {
  if (!Number.isSafeInteger(amountUsdMinor)) return null;
  if (amountUsdMinor < settings.withdrawal_min_usd_minor || amountUsdMinor > settings.withdrawal_max_usd_minor) return null;
  const fee = percentageFee(amountUsdMinor, settings.withdrawal_fee_bps, settings.withdrawal_fee_min_usd_minor);
  const payout = amountUsdMinor - fee;
  if (payout <= 0) return null;
  const cny = convert(money(payout, 'USD'), 'CNY', { base: 'USD', quote: 'CNY', value: settings.usd_cny_rate }).amount_minor;
  return { amount_usd_minor: amountUsdMinor, fee_usd_minor: fee, payout_usd_minor: payout, rate: settings.usd_cny_rate, payout_cny_minor: cny };
}
