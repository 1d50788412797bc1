import type { Database, Sql } from '../../platform/db/database.ts';
import { endpoint, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { IssuerError } from '../errors.ts';
import { listCardAuthorizations } from '../authorization/records.ts';
import type { CardDeps } from '../cards/card-deps.ts';
import { setFrozen, updateControls } from '../cards/card-controls-service.ts';
import { closeCard, moveCardMoney } from '../cards/card-money.ts';
import { getCard, getCardOf, listCards } from '../cards/cards.ts';
import { openCard } from '../cards/open-card.ts';
import { requestRevealCode, revealCard, revealRefusal } from '../cards/reveal.ts';
import { cardStatement } from '../cards/statement.ts';
import { cardholderIdOf } from './auth.ts';
import { authorizationJson, cardJson, revealCodeJson, revealedCardJson, statementLineJson } from './card-presenters.ts';
import {
  amountBody,
  authorizationsQuery,
  authorizationsResponses,
  cardIdParams,
  cardListResponses,
  cardResponses,
  controlsPatchBody,
  revealBody,
  revealCodeResponses,
  revealResponses,
  statementQuery,
  statementResponses,
} from './card-schemas.ts';
import { idempotencyHeaderSchema, runMutation } from './idempotent-route.ts';
import type { IssuerAuth } from './issuer-auth.ts';

const TAG = ['issuer: cards'];

/**
 * The cardholder's cards API, mounted under `/issuer/v1` by `cardRoutes`.
 * Every endpoint needs a session; another cardholder's card answers 404.
 * Mutations take an optional Idempotency-Key, except reveal, whose answer
 * (the full number) is never stored anywhere.
 */
export function cardEndpoints(db: Database, deps: CardDeps, auth: IssuerAuth): AnyEndpoint[] {
  const clock = deps.clock;
  const cardholder = auth.cardholder;
  const scopeOf = (cardholderId: string) => `issuer:cardholder:${cardholderId}`;
  const reread = async (sql: Sql, id: string) => cardJson(deps, sql, (await getCard(sql, id))!);

  const moveMoney = (direction: 'load' | 'unload') =>
    endpoint({
      method: 'POST',
      url: `/cards/:id/${direction}`,
      auth: cardholder,
      schema: {
        tags: TAG,
        summary: direction === 'load' ? 'Move money from the wallet to the card' : 'Move money from the card back to the wallet',
        description: 'amount in USD cents; 402 insufficient_funds when the source (for a card: its available balance, holds count) is short.',
        headers: idempotencyHeaderSchema,
        params: cardIdParams,
        body: amountBody,
        response: cardResponses,
      },
      handler: async (request, reply) => {
        const { amount } = request.body;
        const cardholderId = cardholderIdOf(request);
        return runMutation(db, request, reply, scopeOf(cardholderId), clock.nowMs(), async (tx) => {
          const card = await moveCardMoney(tx, deps, { cardholderId, cardId: request.params.id, amountUsdMinor: amount, direction });
          return { status: 200, body: await reread(tx, card.id) };
        });
      },
    });

  const freezing = (action: 'freeze' | 'unfreeze') =>
    endpoint({
      method: 'POST',
      url: `/cards/:id/${action}`,
      auth: cardholder,
      schema: {
        tags: TAG,
        summary: action === 'freeze' ? 'Freeze the card (authorizations are declined)' : 'Unfreeze the card',
        headers: idempotencyHeaderSchema,
        params: cardIdParams,
        response: cardResponses,
      },
      handler: async (request, reply) => {
        const cardholderId = cardholderIdOf(request);
        return runMutation(db, request, reply, scopeOf(cardholderId), clock.nowMs(), async (tx) => {
          await setFrozen(tx, deps, { cardholderId, cardId: request.params.id, frozen: action === 'freeze' });
          return { status: 200, body: await reread(tx, request.params.id) };
        });
      },
    });

  return [
    endpoint({
      method: 'POST',
      url: '/cards',
      auth: cardholder,
      schema: {
        tags: TAG,
        summary: 'Open a virtual card',
        // Body (optional): { name: "ZHANG WEI" }, the name on the card (2–26 Latin letters).
        description: `Needs approved KYC. Charges the opening fee ($${(deps.program.openingFeeUsdMinor / 100).toFixed(2)}) from the wallet unless waived by an invite code; at most ${deps.program.maxCardsPerCardholder} cards that are not closed.`,
        headers: idempotencyHeaderSchema,
        response: cardResponses,
      },
      handler: async (request, reply) => {
        const name = nameOnCardOf(request.body);
        const cardholderId = cardholderIdOf(request);
        return runMutation(db, request, reply, scopeOf(cardholderId), clock.nowMs(), async (tx) => {
          const card = await openCard(tx, deps, { cardholderId, name });
          return { status: 200, body: await cardJson(deps, tx, card) };
        });
      },
    }),

    endpoint({
      method: 'GET',
      url: '/cards',
      auth: cardholder,
      schema: { tags: TAG, summary: 'List your cards (masked)', response: cardListResponses },
      handler: async (request) => {
        const cards = await listCards(db, cardholderIdOf(request));
        return { object: 'list', data: await Promise.all(cards.map((card) => cardJson(deps, db, card))) };
      },
    }),

    endpoint({
      method: 'GET',
      url: '/cards/:id',
      auth: cardholder,
      schema: { tags: TAG, summary: 'One card (masked), with its balance and controls', params: cardIdParams, response: cardResponses },
      handler: async (request) => cardJson(deps, db, await getCardOf(db, cardholderIdOf(request), request.params.id)),
    }),

    endpoint({
      method: 'POST',
      url: '/cards/:id/reveal-code',
      auth: cardholder,
      schema: {
        tags: TAG,
        summary: 'Send a one-time code by SMS to show the full card number',
        description: 'Shares the phone’s SMS limits with sign-in codes (one a minute; 429 with Retry-After).',
        params: cardIdParams,
        response: revealCodeResponses,
      },
      handler: async (request, reply) => {
        const result = await db.transaction((tx) => requestRevealCode(tx, deps, { cardholderId: cardholderIdOf(request), cardId: request.params.id, clientAddress: request.ip }));
        if (!result.ok) {
          reply.header('retry-after', String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
          throw new IssuerError('rate_limited', result.message);
        }
        return revealCodeJson(result);
      },
    }),

    endpoint({
      method: 'POST',
      url: '/cards/:id/reveal',
      auth: cardholder,
      schema: {
        tags: TAG,
        summary: 'Show the full card number, CVV2 and expiry',
        description: 'Needs the latest code from POST /cards/{id}/reveal-code; a code works once. The answer is never stored or logged; do not cache it.',
        params: cardIdParams,
        body: revealBody,
        response: revealResponses,
      },
      handler: async (request, reply) => {
        const { code } = request.body;
        // Committed even when refused: a wrong code must count.
        const result = await db.transaction((tx) => revealCard(tx, deps, { cardholderId: cardholderIdOf(request), cardId: request.params.id, code }));
        if (!result.ok) throw revealRefusal(result);
        reply.header('cache-control', 'no-store');
        return revealedCardJson(result.card);
      },
    }),

    moveMoney('load'),
    moveMoney('unload'),
    freezing('freeze'),
    freezing('unfreeze'),

    endpoint({
      method: 'PATCH',
      url: '/cards/:id/controls',
      auth: cardholder,
      schema: {
        tags: TAG,
        summary: 'Change spending limits, MCC and country lists, and the accounts-per-merchant rule',
        description:
          'Any of: spending_limits {per_transaction, per_day, per_month} in USD cents or null (must nest), mcc_allow/mcc_block (4-digit MCCs), ' +
          'country_allow/country_block (ISO 3166-1 alpha-2), max_accounts_per_merchant (1–20, default 4).',
        headers: idempotencyHeaderSchema,
        params: cardIdParams,
        body: controlsPatchBody,
        response: cardResponses,
      },
      handler: async (request, reply) => {
        const cardholderId = cardholderIdOf(request);
        return runMutation(db, request, reply, scopeOf(cardholderId), clock.nowMs(), async (tx) => {
          await updateControls(tx, deps, { cardholderId, cardId: request.params.id, patch: request.body });
          return { status: 200, body: await reread(tx, request.params.id) };
        });
      },
    }),

    endpoint({
      method: 'POST',
      url: '/cards/:id/close',
      auth: cardholder,
      schema: {
        tags: TAG,
        summary: 'Close the card for good',
        description: 'Declines every new payment and moves the free balance back to the wallet; holds of payments already approved stay until the merchant captures or releases them (or they expire), and what they free then goes to the wallet too. Refuses any further change (409 card_closed).',
        headers: idempotencyHeaderSchema,
        params: cardIdParams,
        response: cardResponses,
      },
      handler: async (request, reply) => {
        const cardholderId = cardholderIdOf(request);
        return runMutation(db, request, reply, scopeOf(cardholderId), clock.nowMs(), async (tx) => {
          const card = await closeCard(tx, deps, { cardholderId, cardId: request.params.id });
          return { status: 200, body: await reread(tx, card.id) };
        });
      },
    }),

    endpoint({
      method: 'GET',
      url: '/cards/:id/authorizations',
      auth: cardholder,
      schema: {
        tags: TAG,
        summary: 'The card’s authorizations, approved and declined, newest first',
        description: 'Each decision the issuer made on a payment with this card, with its status and, for declines, why (Chinese and English).',
        params: cardIdParams,
        querystring: authorizationsQuery,
        response: authorizationsResponses,
      },
      handler: async (request) => {
        const card = await getCardOf(db, cardholderIdOf(request), request.params.id);
        const found = await listCardAuthorizations(db, card.id, { limit: request.query.limit ?? 20 });
        return { object: 'list', data: found.map(authorizationJson) };
      },
    }),

    endpoint({
      method: 'GET',
      url: '/cards/:id/statement',
      auth: cardholder,
      schema: { tags: TAG, summary: 'The card’s movements, newest first', params: cardIdParams, querystring: statementQuery, response: statementResponses },
      handler: async (request) => {
        const { limit, starting_after } = request.query;
        const page = await cardStatement(deps.ledger, db, {
          cardholderId: cardholderIdOf(request),
          cardId: request.params.id,
          ...(limit === undefined ? {} : { limit }),
          after: starting_after ?? null,
        });
        return { object: 'list', has_more: page.hasMore, next_cursor: page.nextCursor, data: page.lines.map(statementLineJson) };
      },
    }),
  ];
}

/**
 * POST /cards has no body schema (no body at all is fine: the default name),
 * so its one parameter is read here. A name that is not text is refused like
 * an empty one, by openCard (parameter_invalid, param name).
 */
function nameOnCardOf(body: unknown): string | undefined {
  const fields = body ?? {};
  if (typeof fields !== 'object' || Array.isArray(fields) || Object.keys(fields).some((k) => k !== 'name')) {
    throw new IssuerError('parameter_unknown', 'The only parameter is name (the name on the card).');
  }
  const name = 'name' in fields ? fields.name : undefined;
  return name === undefined || typeof name === 'string' ? name : '';
}
