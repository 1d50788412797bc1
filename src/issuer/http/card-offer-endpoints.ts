import type { Database } from '../../platform/db/database.ts';
import { endpoint, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { listBoundMerchants } from '../cards/bound-merchants.ts';
import type { CardDeps } from '../cards/card-deps.ts';
import { countUnclosedCards, getCardOf } from '../cards/cards.ts';
import { IssuerError } from '../errors.ts';
import { getCardholder } from '../identity/cardholders.ts';
import { cardholderIdOf } from './auth.ts';
import { cardIdParams } from './card-schemas.ts';
import { errorResponses, timestamp } from './common-schemas.ts';
import type { IssuerAuth } from './issuer-auth.ts';

const TAG = ['issuer: cards'];
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Two reads the cardholder app needs before and after opening a card:
 * what opening one costs this cardholder (the program's fee, or waived by
 * an invite code — never a figure copied into a page), and the merchants a
 * card is bound to under the accounts-per-merchant rule. Mounted under
 * `/issuer/v1` with the other cards endpoints.
 */

const cardOfferResponses = {
  200: {
    type: 'object',
    required: ['object', 'opening_fee', 'max_cards', 'cards_open'],
    properties: {
      object: { type: 'string', enum: ['card_offer'] },
      opening_fee: {
        type: 'object',
        required: ['amount', 'currency', 'waived', 'program_amount'],
        properties: {
          amount: { type: 'integer', description: 'USD cents taken from the wallet when you open a card: 0 when waived.' },
          currency: { type: 'string', enum: ['usd'] },
          waived: { type: 'boolean', description: 'True for cardholders who signed up with an invite code.' },
          program_amount: { type: 'integer', description: 'The program’s fee, in USD cents, before any waiver.' },
        },
      },
      max_cards: { type: 'integer', description: 'Cards that are not closed a cardholder may have.' },
      cards_open: { type: 'integer', description: 'Your cards that are not closed.' },
    },
  },
  ...errorResponses,
} as const;

const boundMerchantsResponses = {
  200: {
    type: 'object',
    required: ['object', 'max_accounts_per_merchant', 'data'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      max_accounts_per_merchant: { type: 'integer', description: 'The card’s rule: customer accounts one merchant may use this card for.' },
      data: {
        type: 'array',
        items: {
          type: 'object',
          required: ['object', 'merchant', 'accounts', 'full', 'first_bound_at', 'last_bound_at'],
          properties: {
            object: { type: 'string', enum: ['bound_merchant'] },
            merchant: {
              type: 'object',
              required: ['acquirer', 'id', 'name', 'mcc', 'country'],
              properties: { acquirer: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' }, mcc: { type: 'string' }, country: { type: 'string' } },
            },
            accounts: { type: 'integer', description: 'Distinct customer accounts of this merchant the card has paid for.' },
            full: { type: 'boolean', description: 'True when a new account at this merchant would be declined (merchant_account_limit).' },
            first_bound_at: timestamp,
            last_bound_at: timestamp,
          },
        },
      },
    },
  },
  ...errorResponses,
} as const;

export function cardOfferEndpoints(db: Database, deps: CardDeps, auth: IssuerAuth): AnyEndpoint[] {
  return [
    endpoint({
      method: 'GET',
      url: '/card-offer',
      auth: auth.cardholder,
      schema: { tags: TAG, summary: 'What opening a card costs you: the program’s fee, or waived by an invite code', response: cardOfferResponses },
      handler: async (request) => {
        const cardholderId = cardholderIdOf(request);
        const cardholder = await getCardholder(db, cardholderId);
        if (cardholder === undefined) throw new IssuerError('resource_missing', 'No such cardholder.');
        const program = deps.program;
        return {
          object: 'card_offer' as const,
          opening_fee: {
            amount: cardholder.openingFeeWaived ? 0 : program.openingFeeUsdMinor,
            currency: 'usd' as const,
            waived: cardholder.openingFeeWaived,
            program_amount: program.openingFeeUsdMinor,
          },
          max_cards: program.maxCardsPerCardholder,
          cards_open: await countUnclosedCards(db, cardholderId),
        };
      },
    }),

    endpoint({
      method: 'GET',
      url: '/cards/:id/merchants',
      auth: auth.cardholder,
      schema: {
        tags: TAG,
        summary: 'The merchants this card is bound to, and the accounts-per-merchant rule',
        description:
          'Each approved payment carrying a merchant customer reference binds that account to the card; a merchant may use the card for at most max_accounts_per_merchant accounts (PATCH /cards/{id}/controls), the next is declined.',
        params: cardIdParams,
        response: boundMerchantsResponses,
      },
      handler: async (request) => {
        const card = await getCardOf(db, cardholderIdOf(request), request.params.id);
        const limit = card.controls.maxAccountsPerMerchant;
        const merchants = await listBoundMerchants(db, card.id);
        return {
          object: 'list' as const,
          max_accounts_per_merchant: limit,
          data: merchants.map((m) => ({
            object: 'bound_merchant' as const,
            merchant: { acquirer: m.acquirerId, id: m.merchantId, name: m.name, mcc: m.mcc, country: m.country },
            accounts: m.accounts,
            full: m.accounts >= limit,
            first_bound_at: iso(m.firstBoundAtMs),
            last_bound_at: iso(m.lastBoundAtMs),
          })),
        };
      },
    }),
  ];
}
