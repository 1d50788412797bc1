import type { Sql } from '../../platform/db/database.ts';
import { formatMoney, money } from '../../platform/money.ts';
import type { Ledger } from '../../ledger/index.ts';
import { IssuerError } from '../errors.ts';

/** Which of the cardholder's balances was short: the USD wallet, or a card (whose holds count against it). */
export type ShortBalance = 'wallet' | 'card';

/**
 * The `insufficient_funds` refusal, saying which balance was short and how
 * much it has available now: "not enough money" alone leaves a person
 * guessing whether the wallet or the card is meant (moving money off a card
 * is refused by the card's balance, not the wallet's). The error carries
 * `balance` and `available` for programs; its message says both in words
 * (error-language.ts words it in Chinese from the same fields).
 */
export async function insufficientFunds(
  sql: Sql,
  ledger: Ledger,
  balance: ShortBalance,
  accountId: string,
  options: { readonly param?: string; readonly needed?: string } = { param: 'amount' },
): Promise<InstanceType<typeof IssuerError>> {
  const { param, needed } = options;
  const availableMinor = (await ledger.getBalance(sql, accountId))?.available ?? 0;
  const formatted = formatMoney(money(availableMinor, 'USD'));
  const short =
    balance === 'wallet'
      ? `Not enough money in the wallet: its available balance is ${formatted}.`
      : `Not enough money on the card: its available balance is ${formatted} (amounts held for pending payments are not available).`;
  const message = needed === undefined ? short : `${needed} ${short}`;
  return new IssuerError('insufficient_funds', message, {
    ...(param === undefined ? {} : { param }),
    extra: { balance, available: { amount_minor: availableMinor, currency: 'USD', formatted } },
  });
}
