/** JSON schemas of the cards API: Fastify validates and serializes with them, handlers are typed from them, and they become the OpenAPI document. */

import { STATEMENT_PAGE_MAX } from '../cards/statement.ts';
import { errorResponses, timestamp } from './common-schemas.ts';

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

// --- Requests -----------------------------------------------------------------

export const cardIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;

/** Typed loosely on purpose: the amount's checks (and their messages) are moveCardMoney's. */
export const amountBody = {
  type: 'object',
  required: ['amount'],
  additionalProperties: false,
  properties: { amount: { description: 'USD cents, a whole number from 1 to 100000000.' } },
} as const;

export const revealBody = { type: 'object', required: ['code'], additionalProperties: false, properties: { code: { type: 'string', maxLength: 20 } } } as const;

/** Any object: the patch's checks (and their messages) are applyControlsPatch's. */
export const controlsPatchBody = { type: 'object' } as const;

export const authorizationsQuery = { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: STATEMENT_PAGE_MAX } } } as const;

export const statementQuery = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: STATEMENT_PAGE_MAX }, starting_after: { type: 'string', maxLength: 200 } },
} as const;

// --- Responses ----------------------------------------------------------------

export const cardResponses = { 200: { $ref: 'IssuerCard#' }, 402: { $ref: 'ErrorResponse#' }, ...errorResponses } as const;

export const cardListResponses = {
  200: { type: 'object', properties: { object: { type: 'string' }, data: { type: 'array', items: { $ref: 'IssuerCard#' } } } },
  ...errorResponses,
} as const;

export const revealCodeResponses = { 200: { type: 'object', properties: { expires_at: timestamp, resend_after: timestamp } }, ...errorResponses } as const;

export const revealResponses = {
  200: {
    type: 'object',
    properties: { id: { type: 'string' }, number: { type: 'string' }, cvc: { type: 'string' }, exp_month: { type: 'integer' }, exp_year: { type: 'integer' } },
  },
  ...errorResponses,
} as const;

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

export const authorizationsResponses = {
  200: {
    type: 'object',
    properties: { object: { type: 'string' }, data: { type: 'array', items: authorizationSchema } },
  },
  ...errorResponses,
} as const;

const statementLineSchema = {
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
    exchange: {
      type: 'object',
      nullable: true,
      description: 'An approved payment in another currency: the rate (USD per unit, a decimal string), the converted USD cents and the cross-border fee; amount = −(converted_amount + cross_border_fee).',
      properties: { rate: { type: 'string' }, converted_amount: { type: 'integer' }, cross_border_fee: { type: 'integer' }, cross_border_fee_bps: { type: 'integer' } },
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
    dispute: {
      type: 'object',
      nullable: true,
      description: 'A disputed payment (and the dispute’s own credit or reversal lines): the dispute, its state and the provisional credit.',
      properties: {
        id: { type: 'string' },
        status: { type: 'string', enum: ['opening', 'chargeback_sent', 'merchant_responded', 'deciding', 'won', 'lost', 'rejected'] },
        reason: { type: 'string' },
        amount: { type: 'integer', description: 'USD cents disputed.' },
        provisional_credit: { type: 'integer', description: 'USD cents credited at once (reversed if the merchant wins).' },
      },
    },
  },
} as const;

export const statementResponses = {
  200: {
    type: 'object',
    properties: {
      object: { type: 'string' },
      has_more: { type: 'boolean' },
      next_cursor: { type: 'string', nullable: true },
      data: { type: 'array', items: statementLineSchema },
    },
  },
  ...errorResponses,
} as const;
