/**
 * JSON schemas of billing's API requests (`/billing/v1`): Fastify validates
 * with them, handlers are typed from them, and they become the OpenAPI
 * document. Answers are the objects of billing-objects.ts, unfiltered by a
 * response schema.
 */

import { MAILBOX_PAGE_MAX } from '../notifications/sandbox-mailbox.ts';
import type { AttemptKind } from '../payments/payment-attempts.ts';
import { MEMBER_ROLES } from '../members/members.ts';

const ID = { type: 'string', minLength: 1, maxLength: 120 } as const;
const LIST_LIMIT_MAX = 100;
const KINDS: readonly AttemptKind[] = ['verification', 'purchase', 'auto_recharge', 'subscription'];
const CENTS = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'US cents' } as const;

export const idParams = { type: 'object', required: ['id'], properties: { id: ID } } as const;

// Cards, purchases, payments, receipts (billing-routes.ts).

export const addPaymentMethodBody = {
  type: 'object',
  required: ['payment_method'],
  additionalProperties: false,
  properties: {
    payment_method: ID,
    return_url: { type: 'string', minLength: 1, maxLength: 500, description: "Where the bank's 3-D Secure challenge sends the browser back: this server's billing page" },
  },
} as const;

export const creditPurchaseBody = {
  type: 'object',
  required: ['amount'],
  additionalProperties: false,
  properties: { amount: { type: 'integer', description: 'US cents' }, payment_method: ID },
} as const;

export const paymentsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX }, before: ID, kind: { type: 'string', enum: [...KINDS] } },
} as const;

export const receiptsQuery = { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX } } } as const;

// Subscriptions (subscription-routes.ts).

export const subscribeBody = { type: 'object', required: ['plan'], additionalProperties: false, properties: { plan: ID } } as const;

export const subscriptionsQuery = { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX }, before: ID } } as const;

export const cancelBody = { type: 'object', additionalProperties: false, properties: { at_period_end: { type: 'boolean', default: false } } } as const;

// Auto-recharge and notifications (auto-recharge-routes.ts).

export const autoRechargeBody = {
  type: 'object',
  required: ['enabled'],
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    threshold: CENTS,
    target: CENTS,
    // A type list, not anyOf: with type coercion on, anyOf would read null as the integer 0.
    monthly_limit: { type: ['integer', 'null'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'US cents a calendar month (UTC), or null for no limit' },
  },
} as const;

export const notificationsQuery = { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: MAILBOX_PAGE_MAX } } } as const;

// Members (roster-routes.ts).

export const inviteMemberBody = {
  type: 'object',
  required: ['email'],
  additionalProperties: false,
  properties: { email: { type: 'string', minLength: 1, maxLength: 320 }, role: { type: 'string', enum: [...MEMBER_ROLES] } },
} as const;

export const changeMemberRoleBody = {
  type: 'object',
  required: ['role'],
  additionalProperties: false,
  properties: { role: { type: 'string', enum: [...MEMBER_ROLES] } },
} as const;

/** Declared as the OpenAPI document would infer it (a text id), so no request changes: just typed. */
export const memberIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;
