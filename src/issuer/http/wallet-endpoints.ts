import { createHash, randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/database.ts';
import { endpoint, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import type { Ledger } from '../../ledger/index.ts';
import { IssuerError } from '../errors.ts';
import { walletAccountId } from '../money/ledger-accounts.ts';
import { walletStatement } from '../money/statement.ts';
import type { TopUpService } from '../money/top-up.ts';
import type { WithdrawalService } from '../money/withdrawal.ts';
import { cardholderIdOf } from './auth.ts';
import { IDEMPOTENCY_HEADER, idempotencyHeaderSchema } from './idempotent-route.ts';
import type { IssuerAuth } from './issuer-auth.ts';
import { entryJson, quoteJson, topUpJson, walletJson, withdrawalJson } from './money-presenters.ts';
import {
  moneyIdParams,
  quoteBody,
  quoteResponses,
  statementQuery,
  statementResponses,
  topUpBody,
  topUpResponses,
  walletResponses,
  withdrawalBody,
  withdrawalResponses,
} from './money-schemas.ts';

export interface WalletEndpointDeps {
  readonly db: Database;
  readonly ledger: Ledger;
  readonly topUps: TopUpService;
  readonly withdrawals: WithdrawalService;
}

const TAG = ['issuer: wallet'];
const REQUEST_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * The cardholder's USD wallet, under `/issuer/v1`: its balance, top-ups
 * through Alipay in CNY, withdrawals and statement.
 *
 * Provider calls (creating an Alipay order, paying out) happen inside the
 * services, outside any database transaction, so these endpoints do not wrap
 * them in `runMutation`'s transaction; where a retry could repeat an effect
 * the service is idempotent on its own key instead (an order per quote, a
 * withdrawal per Idempotency-Key).
 */
export function walletEndpoints(deps: WalletEndpointDeps, auth: IssuerAuth): AnyEndpoint[] {
  const { db, ledger, topUps, withdrawals } = deps;
  return [
    endpoint({
      method: 'GET',
      url: '/wallet',
      auth: auth.cardholder,
      schema: { tags: TAG, summary: 'The USD wallet balance', response: walletResponses },
      handler: async (request) => walletJson(await ledger.getBalance(db, walletAccountId(cardholderIdOf(request)))),
    }),

    endpoint({
      method: 'POST',
      url: '/wallet/top-up-quotes',
      auth: auth.cardholder,
      schema: {
        tags: TAG,
        summary: 'Price a top-up in CNY at today’s rate and fee',
        description: 'Needs approved KYC. The quote is honoured until it expires, whatever the operator changes meanwhile. A quote commits to nothing, so no Idempotency-Key is needed.',
        body: quoteBody,
        response: quoteResponses,
      },
      handler: async (request, reply) => {
        const quote = await topUps.quote(cardholderIdOf(request), request.body.cny_amount);
        reply.status(201);
        return quoteJson(quote);
      },
    }),

    endpoint({
      method: 'POST',
      url: '/wallet/top-ups',
      auth: auth.cardholder,
      schema: {
        tags: TAG,
        summary: 'Turn a quote into an Alipay order (pay URL and QR code)',
        description: 'Idempotent on the quote: asking again for the same quote returns the same order. The wallet is credited when Alipay’s signed notify arrives.',
        body: topUpBody,
        response: topUpResponses,
      },
      handler: async (request) => topUpJson(await topUps.createOrder(cardholderIdOf(request), request.body.quote_id)),
    }),

    endpoint({
      method: 'GET',
      url: '/wallet/top-ups/:id',
      auth: auth.cardholder,
      schema: { tags: TAG, summary: 'A top-up', params: moneyIdParams, response: topUpResponses },
      handler: async (request) => {
        const order = await topUps.getOrder(cardholderIdOf(request), request.params.id);
        if (!order) throw new IssuerError('resource_missing', 'No such top-up.', { param: 'id' });
        return topUpJson(order);
      },
    }),

    endpoint({
      method: 'POST',
      url: '/wallet/withdrawals',
      auth: auth.cardholder,
      schema: {
        tags: TAG,
        summary: 'Withdraw wallet USD to Alipay',
        description:
          'Needs approved KYC. The amount (fee included) is taken from the wallet; the payout is in CNY at the current rate. If the payout fails the money returns to the wallet. ' +
          'Send an Idempotency-Key: a retry with the same key returns the same withdrawal instead of paying out twice (also when the retries race); ' +
          'the same key with another amount is refused 400 `idempotency_key_reused`.',
        headers: idempotencyHeaderSchema,
        body: withdrawalBody,
        response: withdrawalResponses,
      },
      handler: async (request) => {
        const cardholderId = cardholderIdOf(request);
        const amountUsdMinor = request.body.amount;
        const key = request.headers[IDEMPOTENCY_HEADER];
        if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 255)) {
          throw new IssuerError('parameter_invalid', 'An Idempotency-Key is 1 to 255 characters.', { param: 'Idempotency-Key' });
        }
        const requestId = key === undefined ? `auto:${randomUUID()}` : requestIdFor(key);
        // The service refuses the key reused with another amount (idempotency_key_reused) before it does anything.
        return withdrawalJson(await withdrawals.withdraw({ cardholderId, amountUsdMinor, requestId }));
      },
    }),

    endpoint({
      method: 'GET',
      url: '/wallet/withdrawals/:id',
      auth: auth.cardholder,
      schema: { tags: TAG, summary: 'A withdrawal', params: moneyIdParams, response: withdrawalResponses },
      handler: async (request) => {
        const withdrawal = await withdrawals.get(cardholderIdOf(request), request.params.id);
        if (!withdrawal) throw new IssuerError('resource_missing', 'No such withdrawal.', { param: 'id' });
        return withdrawalJson(withdrawal);
      },
    }),

    endpoint({
      method: 'GET',
      url: '/wallet/statement',
      auth: auth.cardholder,
      schema: {
        tags: TAG,
        summary: 'Every movement of the wallet, newest first',
        description:
          'Top-ups (credited, pending, expired, declined, refunded), withdrawals and their fees (pending, settled, or reversed when the payout failed), and card moves. ' +
          'Page with `cursor` = the previous page’s `next_cursor`.',
        querystring: statementQuery,
        response: statementResponses,
      },
      handler: async (request) => {
        const { limit, cursor } = request.query;
        const page = await walletStatement(db, ledger, cardholderIdOf(request), { limit, cursor: cursor ?? null });
        return { object: 'list', data: page.data.map(entryJson), has_more: page.has_more, next_cursor: page.next_cursor };
      },
    }),
  ];
}

/** The withdrawal's request id from an Idempotency-Key: as is when it fits, else a digest of it. */
function requestIdFor(key: string): string {
  return REQUEST_ID_PATTERN.test(key) ? key : `k:${createHash('sha256').update(key).digest('base64url')}`;
}
