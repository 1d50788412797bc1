import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Database, Sql } from '../../platform/db/database.ts';
import { IssuerError } from '../errors.ts';
import { declineText } from '../authorization/decline-text.ts';
import { listCardAuthorizations, type IssuerAuthorization } from '../authorization/records.ts';
import type { CardDeps } from '../cards/card-deps.ts';
import { setFrozen, updateControls } from '../cards/card-controls-service.ts';
import { cardBalance, closeCard, moveCardMoney } from '../cards/card-money.ts';
import { getCard, getCardOf, listCards, type Card } from '../cards/cards.ts';
import { openCard } from '../cards/open-card.ts';
import { requestRevealCode, revealCard, revealRefusal } from '../cards/reveal.ts';
import { cardStatement, STATEMENT_PAGE_MAX } from '../cards/statement.ts';
import { cardholderIdOf, CARDHOLDER_SECURITY, requireCardholder } from './auth.ts';
import { errorResponses } from './identity-schemas.ts';
import { idempotencyHeaderSchema, runMutation } from './idempotent-route.ts';

export interface CardRoutesOptions {
  readonly db: Database;
  readonly deps: CardDeps;
}

const iso = (ms: number) => new Date(ms).toISOString();
const TAG = ['issuer: cards'];
const timestamp = { type: 'string', format: 'date-time' } as const;
const nullableInt = { type: 'integer', nullable: true } as const;
const stringList = { type: 'array', items: { type: 'string' } } as const;

export const cardSchema = {
  $id: 'IssuerCard',
  type: 'object',
  required: ['id', 'object', 'status', 'last4', 'masked_number', 'exp_month', 'exp_year', 'cardholder_name', 'billing_address', 'balance', 'controls', 'opening_fee', 'created_at', 'closed_at'],
  properties: {
    id: { type: 'string', description: 'card_…' },
    object: { type: 'string', enum: ['card'] },
    status: { type: 'string', enum: ['active', 'frozen', 'closed'] },
    brand: { type: 'string' },
    last4: { type: 'string' },
    masked_number: { type: 'string', description: 'Only the last four digits; the full number needs POST /cards/{id}/reveal.' },
    exp_month: { type: 'integer' },
    exp_year: { type: 'integer' },
    cardholder_name: { type: 'string' },
    billing_address: {
      type: 'object',
      properties: { line1: { type: 'string' }, line2: { type: 'string' }, city: { type: 'string' }, state: { type: 'string' }, postal_code: { type: 'string' }, country: { type: 'string' } },
    },
    balance: {
      type: 'object',
      required: ['currency', 'posted', 'held', 'available'],
      properties: {
        currency: { type: 'string', enum: ['usd'] },
        posted: { type: 'integer', description: 'USD cents booked on the card.' },
        held: { type: 'integer', description: 'USD cents held by pending authorizations.' },
        available: { type: 'integer', description: 'posted − held: what can be spent or unloaded.' },
      },
    },
    controls: {
      type: 'object',
      properties: {
        spending_limits: { type: 'object', properties: { per_transaction: nullableInt, per_day: nullableInt, per_month: nullableInt } },
        mcc_allow: stringList,
        mcc_block: stringList,
        country_allow: stringList,
        country_block: stringList,
        max_accounts_per_merchant: { type: 'integer' },
      },
    },
    opening_fee: { type: 'object', properties: { amount: { type: 'integer' }, currency: { type: 'string' }, waived: { type: 'boolean' } } },
    created_at: timestamp,
    closed_at: { ...timestamp, nullable: true },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;
const amountBody = {
  type: 'object',
  required: ['amount'],
  additionalProperties: false,
  properties: { amount: { description: 'USD cents, a whole number from 1 to 100000000.' } },
} as const;
const cardResponse = { 200: { $ref: 'IssuerCard#' }, 402: { $ref: 'ErrorResponse#' }, ...errorResponses } as const;

const authorizationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'iauth_…' },
    object: { type: 'string', enum: ['issuer_authorization'] },
    status: { type: 'string', enum: ['pending', 'closed', 'reversed', 'expired', 'declined'] },
    purpose: { type: 'string', enum: ['purchase', 'account_verification'] },
    approved: { type: 'boolean' },
    amount: { type: 'integer', description: 'As the merchant asked, in minor units of currency.' },
    currency: { type: 'string' },
    held: { type: 'integer', description: 'USD cents still held on the card.' },
    cleared: { type: 'integer' },
    refunded: { type: 'integer' },
    merchant: { type: 'object', properties: { name: { type: 'string' }, mcc: { type: 'string' }, country: { type: 'string' } } },
    initiator: { type: 'string', enum: ['customer', 'merchant'] },
    response_code: { type: 'string', description: 'ISO 8583 field 39.' },
    reason: { type: 'string' },
    decline: { type: 'object', nullable: true, properties: { message_zh: { type: 'string' }, message_en: { type: 'string' } } },
    created_at: timestamp,
    expires_at: { ...timestamp, nullable: true },
  },
} as const;

function authorizationJson(a: IssuerAuthorization) {
  const text = a.approved ? null : declineText(a.reason);
  return {
    id: a.id,
    object: 'issuer_authorization' as const,
    status: a.status,
    purpose: a.purpose,
    approved: a.approved,
    amount: a.amount.minor,
    currency: a.amount.currency.toLowerCase(),
    held: a.heldUsdMinor,
    cleared: a.clearedUsdMinor,
    refunded: a.refundedUsdMinor,
    merchant: { name: a.merchant.name, mcc: a.merchant.mcc, country: a.merchant.country },
    initiator: a.initiator,
    response_code: a.responseCode,
    reason: a.reason,
    decline: text === null ? null : { message_zh: text.zh, message_en: text.en },
    created_at: iso(a.createdAtMs),
    expires_at: a.expiresAtMs === null ? null : iso(a.expiresAtMs),
  };
}

async function cardJson(deps: CardDeps, sql: Sql, card: Card) {
  const balance = await cardBalance(deps.ledger, sql, card.id);
  const c = card.controls;
  return {
    id: card.id,
    object: 'card' as const,
    status: card.status,
    brand: 'visa',
    last4: card.last4,
    masked_number: `•••• •••• •••• ${card.last4}`,
    exp_month: card.expMonth,
    exp_year: card.expYear,
    cardholder_name: card.cardholderName,
    billing_address: card.billingAddress,
    balance: { currency: 'usd', posted: balance.postedUsdMinor, held: balance.heldUsdMinor, available: balance.availableUsdMinor },
    controls: {
      spending_limits: { per_transaction: c.limits.perTransactionUsdMinor, per_day: c.limits.perDayUsdMinor, per_month: c.limits.perMonthUsdMinor },
      mcc_allow: c.mccAllow,
      mcc_block: c.mccBlock,
      country_allow: c.countryAllow,
      country_block: c.countryBlock,
      max_accounts_per_merchant: c.maxAccountsPerMerchant,
    },
    opening_fee: { amount: card.openingFeeUsdMinor, currency: 'usd', waived: card.openingFeeUsdMinor === 0 },
    created_at: iso(card.createdAtMs),
    closed_at: card.closedAtMs === null ? null : iso(card.closedAtMs),
  };
}

/**
 * The cardholder's cards API, mounted under `/issuer/v1`. Every route needs
 * a session; another cardholder's card answers 404. Mutations take an
 * optional Idempotency-Key, except reveal, whose answer (the full number) is
 * never stored anywhere.
 */
export function cardRoutes(options: CardRoutesOptions): FastifyPluginAsync {
  const { db, deps } = options;
  const clock = deps.clock;
  return async (app: FastifyInstance) => {
    app.addSchema(cardSchema);
    const auth = requireCardholder(db, clock);
    const scopeOf = (request: FastifyRequest) => `issuer:cardholder:${cardholderIdOf(request)}`;
    const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
    const reread = async (sql: Sql, id: string) => cardJson(deps, sql, (await getCard(sql, id))!);

    app.post(
      '/cards',
      {
        preHandler: auth,
        schema: {
          tags: TAG,
          summary: 'Open a virtual card',
          // Body (optional): { name: "ZHANG WEI" }, the name on the card (2–26 Latin letters).
          description: `Needs approved KYC. Charges the opening fee ($${(deps.program.openingFeeUsdMinor / 100).toFixed(2)}) from the wallet unless waived by an invite code; at most ${deps.program.maxCardsPerCardholder} cards that are not closed.`,
          security: CARDHOLDER_SECURITY,
          headers: idempotencyHeaderSchema,
          response: cardResponse,
        },
      },
      async (request, reply) => {
        // No body schema: an empty body is fine (the default name), so it is checked here.
        const body = (request.body ?? {}) as { name?: string };
        if (typeof body !== 'object' || Array.isArray(body) || Object.keys(body).some((k) => k !== 'name')) {
          throw new IssuerError('parameter_unknown', 'The only parameter is name (the name on the card).');
        }
        return runMutation(db, request, reply, scopeOf(request), clock.nowMs(), async (tx) => {
          const card = await openCard(tx, deps, { cardholderId: cardholderIdOf(request), name: body.name });
          return { status: 200, body: await cardJson(deps, tx, card) };
        });
      },
    );

    app.get(
      '/cards',
      {
        preHandler: auth,
        schema: {
          tags: TAG,
          summary: 'List your cards (masked)',
          security: CARDHOLDER_SECURITY,
          response: { 200: { type: 'object', properties: { object: { type: 'string' }, data: { type: 'array', items: { $ref: 'IssuerCard#' } } } }, ...errorResponses },
        },
      },
      async (request) => {
        const cards = await listCards(db, cardholderIdOf(request));
        return { object: 'list', data: await Promise.all(cards.map((card) => cardJson(deps, db, card))) };
      },
    );

    app.get(
      '/cards/:id',
      { preHandler: auth, schema: { tags: TAG, summary: 'One card (masked), with its balance and controls', security: CARDHOLDER_SECURITY, params: idParams, response: cardResponse } },
      async (request) => cardJson(deps, db, await getCardOf(db, cardholderIdOf(request), idOf(request))),
    );

    app.post(
      '/cards/:id/reveal-code',
      {
        preHandler: auth,
        schema: {
          tags: TAG,
          summary: 'Send a one-time code by SMS to show the full card number',
          description: 'Shares the phone’s SMS limits with sign-in codes (one a minute; 429 with Retry-After).',
          security: CARDHOLDER_SECURITY,
          params: idParams,
          response: { 200: { type: 'object', properties: { expires_at: timestamp, resend_after: timestamp } }, ...errorResponses },
        },
      },
      async (request, reply) => {
        const result = await db.transaction((tx) => requestRevealCode(tx, deps, { cardholderId: cardholderIdOf(request), cardId: idOf(request), clientAddress: request.ip }));
        if (!result.ok) {
          reply.header('retry-after', String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
          throw new IssuerError('rate_limited', result.message);
        }
        return { expires_at: iso(result.expiresAtMs), resend_after: iso(result.resendAfterMs) };
      },
    );

    app.post(
      '/cards/:id/reveal',
      {
        preHandler: auth,
        schema: {
          tags: TAG,
          summary: 'Show the full card number, CVV2 and expiry',
          description: 'Needs the latest code from POST /cards/{id}/reveal-code; a code works once. The answer is never stored or logged; do not cache it.',
          security: CARDHOLDER_SECURITY,
          params: idParams,
          body: { type: 'object', required: ['code'], additionalProperties: false, properties: { code: { type: 'string', maxLength: 20 } } },
          response: {
            200: {
              type: 'object',
              properties: { id: { type: 'string' }, number: { type: 'string' }, cvc: { type: 'string' }, exp_month: { type: 'integer' }, exp_year: { type: 'integer' } },
            },
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const { code } = request.body as { code: string };
        // Committed even when refused: a wrong code must count.
        const result = await db.transaction((tx) => revealCard(tx, deps, { cardholderId: cardholderIdOf(request), cardId: idOf(request), code }));
        if (!result.ok) throw revealRefusal(result);
        reply.header('cache-control', 'no-store');
        return { id: result.card.cardId, number: result.card.number, cvc: result.card.cvc, exp_month: result.card.expMonth, exp_year: result.card.expYear };
      },
    );

    for (const direction of ['load', 'unload'] as const) {
      app.post(
        `/cards/:id/${direction}`,
        {
          preHandler: auth,
          schema: {
            tags: TAG,
            summary: direction === 'load' ? 'Move money from the wallet to the card' : 'Move money from the card back to the wallet',
            description: 'amount in USD cents; 402 insufficient_funds when the source (for a card: its available balance, holds count) is short.',
            security: CARDHOLDER_SECURITY,
            headers: idempotencyHeaderSchema,
            params: idParams,
            body: amountBody,
            response: cardResponse,
          },
        },
        async (request, reply) => {
          const { amount } = request.body as { amount: unknown };
          return runMutation(db, request, reply, scopeOf(request), clock.nowMs(), async (tx) => {
            const card = await moveCardMoney(tx, deps, { cardholderId: cardholderIdOf(request), cardId: idOf(request), amountUsdMinor: amount, direction });
            return { status: 200, body: await reread(tx, card.id) };
          });
        },
      );
    }

    for (const action of ['freeze', 'unfreeze'] as const) {
      app.post(
        `/cards/:id/${action}`,
        {
          preHandler: auth,
          schema: {
            tags: TAG,
            summary: action === 'freeze' ? 'Freeze the card (authorizations are declined)' : 'Unfreeze the card',
            security: CARDHOLDER_SECURITY,
            headers: idempotencyHeaderSchema,
            params: idParams,
            response: cardResponse,
          },
        },
        async (request, reply) =>
          runMutation(db, request, reply, scopeOf(request), clock.nowMs(), async (tx) => {
            await setFrozen(tx, deps, { cardholderId: cardholderIdOf(request), cardId: idOf(request), frozen: action === 'freeze' });
            return { status: 200, body: await reread(tx, idOf(request)) };
          }),
      );
    }

    app.patch(
      '/cards/:id/controls',
      {
        preHandler: auth,
        schema: {
          tags: TAG,
          summary: 'Change spending limits, MCC and country lists, and the accounts-per-merchant rule',
          description:
            'Any of: spending_limits {per_transaction, per_day, per_month} in USD cents or null (must nest), mcc_allow/mcc_block (4-digit MCCs), ' +
            'country_allow/country_block (ISO 3166-1 alpha-2), max_accounts_per_merchant (1–20, default 4).',
          security: CARDHOLDER_SECURITY,
          headers: idempotencyHeaderSchema,
          params: idParams,
          body: { type: 'object' },
          response: cardResponse,
        },
      },
      async (request, reply) =>
        runMutation(db, request, reply, scopeOf(request), clock.nowMs(), async (tx) => {
          await updateControls(tx, deps, { cardholderId: cardholderIdOf(request), cardId: idOf(request), patch: request.body });
          return { status: 200, body: await reread(tx, idOf(request)) };
        }),
    );

    app.post(
      '/cards/:id/close',
      {
        preHandler: auth,
        schema: {
          tags: TAG,
          summary: 'Close the card for good',
          description: 'Releases open holds, moves the remaining balance back to the wallet, and refuses any further change (409 card_closed).',
          security: CARDHOLDER_SECURITY,
          headers: idempotencyHeaderSchema,
          params: idParams,
          response: cardResponse,
        },
      },
      async (request, reply) =>
        runMutation(db, request, reply, scopeOf(request), clock.nowMs(), async (tx) => {
          const card = await closeCard(tx, deps, { cardholderId: cardholderIdOf(request), cardId: idOf(request) });
          return { status: 200, body: await reread(tx, card.id) };
        }),
    );

    app.get(
      '/cards/:id/authorizations',
      {
        preHandler: auth,
        schema: {
          tags: TAG,
          summary: 'The card’s authorizations, approved and declined, newest first',
          description: 'Each decision the issuer made on a payment with this card, with its status and, for declines, why (Chinese and English).',
          security: CARDHOLDER_SECURITY,
          params: idParams,
          querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: STATEMENT_PAGE_MAX } } },
          response: {
            200: {
              type: 'object',
              properties: { object: { type: 'string' }, data: { type: 'array', items: authorizationSchema } },
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const card = await getCardOf(db, cardholderIdOf(request), idOf(request));
        const { limit } = request.query as { limit?: number };
        const found = await listCardAuthorizations(db, card.id, { limit: limit ?? 20 });
        return { object: 'list', data: found.map(authorizationJson) };
      },
    );

    app.get(
      '/cards/:id/statement',
      {
        preHandler: auth,
        schema: {
          tags: TAG,
          summary: 'The card’s movements, newest first',
          security: CARDHOLDER_SECURITY,
          params: idParams,
          querystring: {
            type: 'object',
            properties: { limit: { type: 'integer', minimum: 1, maximum: STATEMENT_PAGE_MAX }, starting_after: { type: 'string', maxLength: 200 } },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                object: { type: 'string' },
                has_more: { type: 'boolean' },
                next_cursor: { type: 'string', nullable: true },
                data: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      id: { type: 'string' },
                      type: { type: 'string' },
                      amount: { type: 'integer', description: 'USD cents; negative when money left the card.' },
                      currency: { type: 'string' },
                      status: { type: 'string', enum: ['pending', 'settled', 'declined', 'reversed', 'refunded', 'expired'] },
                      created_at: timestamp,
                      resolved_at: { ...timestamp, nullable: true },
                      merchant: {
                        type: 'object',
                        nullable: true,
                        properties: { name: { type: 'string' }, mcc: { type: 'string' }, country: { type: 'string' } },
                      },
                      authorization: { type: 'string', nullable: true, description: 'The issuer authorization (iauth_…) a card payment line belongs to.' },
                      requested_amount: {
                        type: 'object',
                        nullable: true,
                        description: 'When the merchant asked in another currency: its amount and currency.',
                        properties: { amount: { type: 'integer' }, currency: { type: 'string' } },
                      },
                      decline: {
                        type: 'object',
                        nullable: true,
                        description: 'For declined lines: why, in Chinese and English.',
                        properties: {
                          response_code: { type: 'string', description: 'ISO 8583 field 39.' },
                          reason: { type: 'string' },
                          message_zh: { type: 'string' },
                          message_en: { type: 'string' },
                        },
                      },
                    },
                  },
                },
              },
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const query = request.query as { limit?: number; starting_after?: string };
        const page = await cardStatement(deps.ledger, db, {
          cardholderId: cardholderIdOf(request),
          cardId: idOf(request),
          ...(query.limit === undefined ? {} : { limit: query.limit }),
          after: query.starting_after ?? null,
        });
        return {
          object: 'list',
          has_more: page.hasMore,
          next_cursor: page.nextCursor,
          data: page.lines.map((l) => ({
            id: l.id,
            type: l.type,
            amount: l.amountUsdMinor,
            currency: 'usd',
            status: l.status,
            created_at: iso(l.createdAtMs),
            resolved_at: l.resolvedAtMs === null ? null : iso(l.resolvedAtMs),
            merchant: l.merchant,
            authorization: l.authorizationId,
            requested_amount: l.requested === null ? null : { amount: l.requested.minor, currency: l.requested.currency.toLowerCase() },
            decline:
              l.decline === null
                ? null
                : { response_code: l.decline.responseCode, reason: l.decline.reason, message_zh: l.decline.message.zh, message_en: l.decline.message.en },
          })),
        };
      },
    );
  };
}
