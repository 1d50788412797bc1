import type { Database } from '../../platform/db/database.ts';
import { endpoint, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import type { Ledger } from '../../ledger/index.ts';
import { quoteWithdrawal } from '../money/withdrawal-quote.ts';
import type { TopUpService } from '../money/top-up.ts';
import { cardholderIdOf } from './auth.ts';
import type { IssuerAuth } from './issuer-auth.ts';
import { amount, topUpJson } from './money-presenters.ts';
import { moneyIdParams, topUpResponses } from './money-schemas.ts';
import { errorResponses } from './common-schemas.ts';

export interface WalletPreviewEndpointDeps {
  readonly db: Database;
  readonly ledger: Ledger;
  readonly topUps: TopUpService;
}

const TAG = ['issuer: wallet'];

const withdrawalQuoteQuery = {
  type: 'object',
  required: ['amount'],
  additionalProperties: false,
  properties: { amount: { type: 'integer', minimum: 1, maximum: 1_000_000_000, description: 'In cents, fee included (as POST /wallet/withdrawals takes it).' } },
} as const;

const withdrawalQuoteResponses = {
  200: {
    type: 'object',
    required: ['object', 'amount', 'fee', 'payout', 'payout_cny', 'rate', 'wallet_available', 'sufficient'],
    properties: {
      object: { type: 'string', enum: ['withdrawal_quote'] },
      amount: { $ref: 'IssuerAmount#', description: 'Would be taken from the wallet: payout + fee.' },
      fee: { $ref: 'IssuerAmount#' },
      payout: { $ref: 'IssuerAmount#', description: 'Would be sent to Alipay, in USD.' },
      payout_cny: { $ref: 'IssuerAmount#', description: 'Would be sent to Alipay, in CNY at the rate.' },
      rate: { type: 'string', description: '"7.20" means 1 USD = 7.20 CNY.' },
      wallet_available: { $ref: 'IssuerAmount#', description: 'The wallet’s available balance now.' },
      sufficient: { type: 'boolean', description: 'Whether the wallet has the amount now.' },
    },
  },
  ...errorResponses,
} as const;

/**
 * Read-only helpers for the wallet's screens, under `/issuer/v1`: what a
 * withdrawal would pay out (priced by the withdrawal's own code, so no client
 * repeats the arithmetic), and the cardholder's way out of an Alipay order
 * they no longer mean to pay.
 */
export function walletPreviewEndpoints(deps: WalletPreviewEndpointDeps, auth: IssuerAuth): AnyEndpoint[] {
  const { db, ledger, topUps } = deps;
  return [
    endpoint({
      method: 'GET',
      url: '/wallet/withdrawal-quote',
      auth: auth.cardholder,
      schema: {
        tags: TAG,
        summary: 'What a withdrawal would pay out now: fee, USD and CNY at the current rate',
        description:
          'Computed exactly as POST /wallet/withdrawals computes it, from the settings in force; it holds and stores nothing, so the withdrawal uses the rate and fee in force when it is made. ' +
          'An amount out of range is refused 400 `withdrawal_amount_out_of_range`, as the withdrawal would be.',
        querystring: withdrawalQuoteQuery,
        response: withdrawalQuoteResponses,
      },
      handler: async (request) => {
        const quote = await quoteWithdrawal(db, ledger, cardholderIdOf(request), request.query.amount);
        return {
          object: 'withdrawal_quote',
          amount: amount(quote.amount_usd_minor, 'USD'),
          fee: amount(quote.fee_usd_minor, 'USD'),
          payout: amount(quote.payout_usd_minor, 'USD'),
          payout_cny: amount(quote.payout_cny_minor, 'CNY'),
          rate: quote.rate,
          wallet_available: amount(quote.wallet_available_usd_minor, 'USD'),
          sufficient: quote.wallet_available_usd_minor >= quote.amount_usd_minor,
        };
      },
    }),

    endpoint({
      method: 'POST',
      url: '/wallet/top-ups/:id/cancel',
      auth: auth.cardholder,
      schema: {
        tags: TAG,
        summary: 'Cancel a top-up still waiting for payment',
        description:
          'Closes the Alipay order (its QR code can no longer be paid) and answers the top-up, `closed`. Cancelling a closed one answers it again. ' +
          'An order already paid, expired or failed is refused 409 `resource_conflict`; a payment that races the cancel is refunded in full.',
        params: moneyIdParams,
        response: topUpResponses,
      },
      handler: async (request) => topUpJson(await topUps.cancelOrder(cardholderIdOf(request), request.params.id)),
    }),
  ];
}
