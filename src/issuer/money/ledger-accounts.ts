import type { Sql } from '../../platform/db/database.ts';
import type { Ledger, AccountInput, AccountOutcome } from '../../ledger/index.ts';

/**
 * The issuer's chart of accounts. Two books, because a ledger transfer stays
 * within one currency: the CNY book holds what moves through Alipay, the USD
 * book holds what cardholders own. Top-ups cross between them the way
 * TigerBeetle's currency exchange does: CNY goes into the CNY FX position,
 * the same value in USD comes out of the USD FX position.
 *
 * Book 1156 — CNY (ISO numeric 156 under the issuer's 1xxx range)
 *   iss:cny:alipay          120  our merchant account at Alipay: payers' money comes from here, refunds go back
 *   iss:cny:topup_clearing  121  received for an order, not yet credited or refunded (can never go below zero)
 *   iss:cny:fee_revenue     122  top-up fees
 *   iss:cny:fx_position     123  CNY exchanged into USD
 *
 * Book 1840 — USD (ISO numeric 840)
 *   iss:usd:fx_position     110  USD given for CNY taken in (its debits = total USD credited by top-ups)
 *   iss:usd:payout_clearing 111  paid out to Alipay by withdrawals (holds while the payout runs)
 *   iss:usd:fee_revenue     112  withdrawal fees
 *   iss:usd:network_settlement 113  what the issuer owes the card network for cleared card
 *                                   payments (holds credit it pending; clearings post; refunds
 *                                   come back out of it); no floor: it is the issuer's side
 *   iss:wallet:<cardholder>   1  a cardholder's wallet; debits_must_not_exceed_credits
 *   (cards will be code 2 in this book)
 *
 * Transfer codes are listed in TRANSFER_CODES.
 */
export const ISSUER_CNY_LEDGER = 1156;
export const ISSUER_USD_LEDGER = 1840;

export const ACCOUNT_CODES = {
  wallet: 1,
  card: 2,
  usd_fx_position: 110,
  usd_payout_clearing: 111,
  usd_fee_revenue: 112,
  usd_network_settlement: 113,
  cny_alipay: 120,
  cny_topup_clearing: 121,
  cny_fee_revenue: 122,
  cny_fx_position: 123,
} as const;

export const TRANSFER_CODES = {
  /** CNY: Alipay → top-up clearing, when a payment is confirmed. */
  top_up_received: 1,
  /** CNY: clearing → fee revenue. */
  top_up_fee: 2,
  /** CNY: clearing → CNY FX position. */
  top_up_exchange: 3,
  /** USD: USD FX position → wallet. */
  top_up_credit: 4,
  /** CNY: clearing → Alipay, the whole payment back to the payer. */
  top_up_refund: 5,
  /** USD hold: wallet → payout clearing. */
  withdrawal_payout: 10,
  /** USD hold: wallet → fee revenue. */
  withdrawal_fee: 11,
} as const;

export const SYSTEM_ACCOUNTS = {
  cnyAlipay: 'iss:cny:alipay',
  cnyTopupClearing: 'iss:cny:topup_clearing',
  cnyFeeRevenue: 'iss:cny:fee_revenue',
  cnyFxPosition: 'iss:cny:fx_position',
  usdFxPosition: 'iss:usd:fx_position',
  usdPayoutClearing: 'iss:usd:payout_clearing',
  usdFeeRevenue: 'iss:usd:fee_revenue',
  usdNetworkSettlement: 'iss:usd:network_settlement',
} as const;

const SYSTEM_ACCOUNT_INPUTS: readonly AccountInput[] = [
  { id: SYSTEM_ACCOUNTS.cnyAlipay, ledger: ISSUER_CNY_LEDGER, currency: 'CNY', code: ACCOUNT_CODES.cny_alipay },
  {
    id: SYSTEM_ACCOUNTS.cnyTopupClearing,
    ledger: ISSUER_CNY_LEDGER,
    currency: 'CNY',
    code: ACCOUNT_CODES.cny_topup_clearing,
    flags: ['debits_must_not_exceed_credits'],
  },
  { id: SYSTEM_ACCOUNTS.cnyFeeRevenue, ledger: ISSUER_CNY_LEDGER, currency: 'CNY', code: ACCOUNT_CODES.cny_fee_revenue },
  { id: SYSTEM_ACCOUNTS.cnyFxPosition, ledger: ISSUER_CNY_LEDGER, currency: 'CNY', code: ACCOUNT_CODES.cny_fx_position },
  { id: SYSTEM_ACCOUNTS.usdFxPosition, ledger: ISSUER_USD_LEDGER, currency: 'USD', code: ACCOUNT_CODES.usd_fx_position },
  { id: SYSTEM_ACCOUNTS.usdPayoutClearing, ledger: ISSUER_USD_LEDGER, currency: 'USD', code: ACCOUNT_CODES.usd_payout_clearing },
  { id: SYSTEM_ACCOUNTS.usdFeeRevenue, ledger: ISSUER_USD_LEDGER, currency: 'USD', code: ACCOUNT_CODES.usd_fee_revenue },
  { id: SYSTEM_ACCOUNTS.usdNetworkSettlement, ledger: ISSUER_USD_LEDGER, currency: 'USD', code: ACCOUNT_CODES.usd_network_settlement },
];

const CARDHOLDER_ID_PATTERN = /^[A-Za-z0-9_]{1,64}$/;

export function walletAccountId(cardholderId: string): string {
  if (!CARDHOLDER_ID_PATTERN.test(cardholderId)) throw new RangeError(`not a cardholder id: ${JSON.stringify(cardholderId)}`);
  return `iss:wallet:${cardholderId}`;
}

/** Creates the issuer's system accounts; safe to run at every start. */
export async function ensureIssuerAccounts(ledger: Ledger, sql: Sql): Promise<void> {
  expectCreated(await ledger.createAccounts(sql, SYSTEM_ACCOUNT_INPUTS));
}

/** Creates the cardholder's USD wallet if it does not exist yet; returns its account id. */
export async function ensureWallet(ledger: Ledger, sql: Sql, cardholderId: string): Promise<string> {
  const id = walletAccountId(cardholderId);
  expectCreated(
    await ledger.createAccounts(sql, [
      {
        id,
        ledger: ISSUER_USD_LEDGER,
        currency: 'USD',
        code: ACCOUNT_CODES.wallet,
        flags: ['debits_must_not_exceed_credits'],
        metadata: { cardholder_id: cardholderId },
      },
    ]),
  );
  return id;
}

function expectCreated(outcomes: readonly AccountOutcome[]): void {
  for (const outcome of outcomes) {
    // Anything but ok/exists means our own definitions disagree with the book: a bug.
    if (outcome.result !== 'ok' && outcome.result !== 'exists') {
      throw new Error(`issuer account ${outcome.id}: ${outcome.result}`);
    }
  }
}
