import type { Sql } from '../../platform/db/database.ts';
import type { Ledger } from '../../ledger/index.ts';
import { IssuerError } from '../errors.ts';
import { withdrawalFigures, type WithdrawalFigures } from './fees.ts';
import { walletAccountId } from './ledger-accounts.ts';
import { getMoneySettings } from './settings.ts';

export interface WithdrawalQuote extends WithdrawalFigures {
  /** What the wallet has available now, so a preview can say whether the withdrawal would go through. */
  readonly wallet_available_usd_minor: number;
}

/**
 * What a withdrawal of `amountUsdMinor` would pay out now — the same
 * `withdrawalFigures` and settings the withdrawal itself uses, so a preview
 * and the withdrawal cannot disagree unless the operator changes the rate or
 * fee in between (the withdrawal's answer then has the figures it used).
 * Reads only: nothing is held or stored, so it commits to nothing.
 */
export async function quoteWithdrawal(sql: Sql, ledger: Ledger, cardholderId: string, amountUsdMinor: number): Promise<WithdrawalQuote> {
  const settings = await getMoneySettings(sql);
  const figures = withdrawalFigures(amountUsdMinor, settings);
  if (!figures) {
    throw new IssuerError(
      'withdrawal_amount_out_of_range',
      `A withdrawal is from ${settings.withdrawal_min_usd_minor} to ${settings.withdrawal_max_usd_minor} cents and must cover the fee.`,
      { param: 'amount' },
    );
  }
  const available = (await ledger.getBalance(sql, walletAccountId(cardholderId)))?.available ?? 0;
  return { ...figures, wallet_available_usd_minor: available };
}
