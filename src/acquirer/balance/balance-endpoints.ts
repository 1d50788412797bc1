import type { AcquirerDeps } from '../acquirer-deps.ts';
import { merchantBalanceAccount } from '../payments/acquirer-ledger.ts';
import { createdCondition, parseCreatedFilter, type CreatedRange } from '../events/created-filter.ts';
import { refuseExpand } from '../events/refuse-expand.ts';
import { listPage, parseListQuery, stripeList, type ListQuery } from '../stripe/list.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import {
  BALANCE_TRANSACTION_COLUMNS,
  BALANCE_TRANSACTION_TYPES,
  balanceTransactionObject,
  merchantCurrencies,
  requireBalanceTransaction,
  type BalanceTransactionRow,
  type BalanceTransactionType,
} from './balance-transactions.ts';

/**
 * GET /v1/balance, GET /v1/balance_transactions and
 * GET /v1/balance_transactions/:id. The balance is read from the ledger (the
 * merchant's account per currency, through the ledger's public API), never
 * summed from the transactions, so it is the book's own figure; the
 * transactions are the postings that made it (balance-transactions.ts).
 * Everything is `available` at once: Cardlane holds nothing back for payouts.
 */

/** The currency a merchant's balance shows even before its first payment, as Stripe shows the account's default. */
const DEFAULT_CURRENCY = 'usd';

interface ListInput {
  readonly query: ListQuery;
  readonly type: BalanceTransactionType | undefined;
  readonly source: string | undefined;
  readonly currency: string | undefined;
  readonly created: CreatedRange | undefined;
}

export function balanceEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  const balance: StripeEndpoint<Record<string, never>> = {
    method: 'GET',
    url: '/balance',
    summary: 'Retrieve the balance',
    parse: (params) => {
      refuseExpand(params);
      return {};
    },
    run: async (_input, call) => {
      const currencies = [...new Set([DEFAULT_CURRENCY, ...(await merchantCurrencies(deps.db, call.merchant.id))])].sort();
      const accounts = await deps.ledger.getBalances(deps.db, currencies.map((currency) => merchantBalanceAccount(call.merchant.id, currency)));
      const posted = new Map(accounts.map((account) => [account.currency.toLowerCase(), account.credits_posted - account.debits_posted]));
      return {
        object: 'balance',
        available: currencies.map((currency) => ({ amount: posted.get(currency) ?? 0, currency, source_types: { card: posted.get(currency) ?? 0 } })),
        connect_reserved: currencies.map((currency) => ({ amount: 0, currency })),
        livemode: false,
        pending: currencies.map((currency) => ({ amount: 0, currency, source_types: { card: 0 } })),
      };
    },
  };

  const retrieve: StripeEndpoint<{ id: string }> = {
    method: 'GET',
    url: '/balance_transactions/:id',
    summary: 'Retrieve a balance transaction',
    // expand[]=source is read and applied by the route (stripe/expand.ts).
    parse: (_params, call) => ({ id: call.path.id! }),
    run: async (input, call) => balanceTransactionObject(await requireBalanceTransaction(deps.db, call.merchant.id, input.id)),
  };

  const list: StripeEndpoint<ListInput> = {
    method: 'GET',
    url: '/balance_transactions',
    summary: 'List balance transactions',
    parse: (params) => {
      return {
        query: parseListQuery(params),
        type: params.enumOf('type', BALANCE_TRANSACTION_TYPES),
        source: params.string('source', { maxChars: 64, pattern: /^[a-z]{2,8}_[0-9A-Za-z]{10,40}$/, what: 'not an object id' }),
        currency: params.string('currency', { maxChars: 3, pattern: /^[a-zA-Z]{3}$/, what: 'a three-letter ISO currency code' })?.toLowerCase(),
        created: parseCreatedFilter(params),
      };
    },
    run: async (input, call) => {
      let where = 'merchant_id = ?';
      const params: unknown[] = [call.merchant.id];
      for (const [column, value] of [['type', input.type], ['source_id', input.source], ['currency', input.currency]] as const) {
        if (value === undefined) continue;
        where += ` AND ${column} = ?`;
        params.push(value);
      }
      const created = createdCondition(input.created);
      where += created.sql;
      params.push(...created.params);
      const page = await listPage<BalanceTransactionRow>(deps.db, { table: 'acquirer_balance_transactions', columns: BALANCE_TRANSACTION_COLUMNS, where, params, query: input.query });
      return stripeList('/v1/balance_transactions', page.rows.map(balanceTransactionObject), page.hasMore);
    },
  };

  return [balance, retrieve, list];
}
