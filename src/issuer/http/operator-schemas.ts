/** JSON schemas of the operator console's read API under `/issuer/v1/operator` (operator-list-endpoints.ts, operator-session-endpoints.ts). */

import { errorResponses, nullableTimestamp, timestamp } from './common-schemas.ts';
import { topUpSchema, withdrawalSchema } from './money-schemas.ts';

/** A page is at most this long: an operator reads a screen's worth, then asks for the next. */
export const OPERATOR_PAGE_MAX = 100;

const amount = {
  type: 'object',
  required: ['amount_minor', 'currency', 'formatted'],
  properties: { amount_minor: { type: 'integer' }, currency: { type: 'string' }, formatted: { type: 'string' } },
} as const;

const cardholder = {
  type: 'object',
  required: ['id', 'phone'],
  properties: {
    id: { type: 'string' },
    phone: { type: 'string', description: 'Masked: the country code and first digits, then the last four (+86138****0001).' },
  },
} as const;

/** The query every operator list takes: an optional status, a page size and the previous page's `next_cursor`. */
export function listQuery<const S extends readonly string[]>(statuses: S) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      status: { type: 'string', enum: statuses, description: 'Only this status; all when left out.' },
      limit: { type: 'integer', minimum: 1, maximum: OPERATOR_PAGE_MAX, default: 20 },
      cursor: { type: 'string', minLength: 1, maxLength: 400, description: 'The previous page’s `next_cursor`.' },
      order: {
        type: 'string',
        enum: ['newest', 'oldest'],
        default: 'newest',
        description: 'newest first (history), or oldest first (to work a queue: the longest waiting at the top). Keep it the same while paging.',
      },
    },
  } as const;
}

function listResponses<const I>(item: I) {
  return {
    200: {
      type: 'object',
      required: ['object', 'data', 'has_more', 'next_cursor'],
      properties: {
        object: { type: 'string', enum: ['list'] },
        data: { type: 'array', items: item },
        has_more: { type: 'boolean' },
        next_cursor: { type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' },
      },
    },
    ...errorResponses,
  } as const;
}

export const KYC_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const TOP_UP_STATUSES = topUpSchema.properties.status.enum;
export const WITHDRAWAL_STATUSES = withdrawalSchema.properties.status.enum;
export const DISPUTE_STATUSES = ['opening', 'chargeback_sent', 'merchant_responded', 'deciding', 'won', 'lost', 'rejected'] as const;

export const kycItem = {
  type: 'object',
  required: ['id', 'object', 'status', 'reason', 'internal_note', 'legacy_reason_text', 'provider', 'cardholder', 'created_at', 'completed_at'],
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['kyc_verification'] },
    status: { type: 'string', enum: KYC_STATUSES },
    reason: { type: 'string', nullable: true, description: 'Why it was rejected, a code (GET /operator/kyc/reasons); null unless rejected.' },
    internal_note: { type: 'string', nullable: true, description: 'The rejecting operator’s note, for operators only.' },
    legacy_reason_text: { type: 'string', nullable: true, description: 'A rejection from before the reason codes: the free text the cardholder was shown (its reason reads `other`).' },
    provider: { type: 'string' },
    cardholder,
    created_at: timestamp,
    completed_at: nullableTimestamp,
  },
} as const;

// The cardholder's own top-up and withdrawal objects, with whose they are.
export const topUpItem = {
  type: 'object',
  required: [...topUpSchema.required, 'cardholder'],
  properties: {
    ...topUpSchema.properties,
    cny_amount: amount,
    fee: amount,
    usd_amount: amount,
    cardholder,
  },
} as const;

export const withdrawalItem = {
  type: 'object',
  required: [...withdrawalSchema.required, 'cardholder'],
  properties: {
    ...withdrawalSchema.properties,
    amount,
    fee: amount,
    payout: amount,
    payout_cny: amount,
    cardholder,
  },
} as const;

export const disputeItem = {
  type: 'object',
  required: ['id', 'object', 'status', 'reason', 'network', 'amount', 'provisional_credit', 'cardholder', 'card', 'merchant_name', 'evidence', 'merchant_evidence', 'winner', 'merchant_respond_by', 'created_at', 'closed_at'],
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['dispute'] },
    status: { type: 'string', enum: DISPUTE_STATUSES, description: 'merchant_responded: waiting for the operator’s decision (POST /operator/disputes/{id}/decide).' },
    reason: { type: 'string' },
    network: { type: 'object', required: ['scheme', 'reason_code', 'title'], properties: { scheme: { type: 'string' }, reason_code: { type: 'string' }, title: { type: 'string' } } },
    amount,
    provisional_credit: amount,
    cardholder,
    card: { type: 'object', required: ['id', 'last4'], properties: { id: { type: 'string' }, last4: { type: 'string', nullable: true } } },
    authorization_id: { type: 'string' },
    merchant_name: { type: 'string', nullable: true },
    evidence: { type: 'string', description: 'What happened, in the cardholder’s words.' },
    merchant_evidence: { type: 'object', nullable: true, additionalProperties: { type: 'string' } },
    winner: { type: 'string', nullable: true, enum: ['cardholder', 'merchant', null] },
    merchant_respond_by: timestamp,
    created_at: timestamp,
    closed_at: nullableTimestamp,
  },
} as const;

export const kycListResponses = listResponses(kycItem);

/** A text for the console in both of its languages, keyed as its pages are (like the declines' cause titles). */
const consoleText = { type: 'object', required: ['en', 'zh-CN'], properties: { en: { type: 'string' }, 'zh-CN': { type: 'string' } } } as const;

export const kycReasonListResponses = {
  200: {
    type: 'object',
    required: ['object', 'data'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      data: {
        type: 'array',
        items: {
          type: 'object',
          required: ['code', 'title', 'can_resubmit', 'cardholder'],
          properties: {
            code: { type: 'string', description: 'What POST /operator/kyc/{id}/reject takes as `reason`.' },
            title: consoleText,
            can_resubmit: { type: 'boolean', description: 'Whether the cardholder may verify again after this.' },
            cardholder: {
              type: 'object',
              required: ['reason', 'reason_text', 'next_step'],
              description: 'What the cardholder is told: a screening match is shown neutrally, as not_eligible.',
              properties: { reason: { type: 'string' }, reason_text: consoleText, next_step: consoleText },
            },
          },
        },
      },
    },
  },
  ...errorResponses,
} as const;
export const topUpListResponses = listResponses(topUpItem);
export const withdrawalListResponses = listResponses(withdrawalItem);
export const disputeListResponses = listResponses(disputeItem);

// --- Sessions ------------------------------------------------------------------

export const sessionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['key'],
  properties: { key: { type: 'string', minLength: 1, maxLength: 200, description: 'An operator key, op_…; never stored, never sent again.' } },
} as const;

const sessionObject = {
  type: 'object',
  required: ['object', 'operator_key', 'expires_at', 'csrf_token'],
  properties: {
    object: { type: 'string', enum: ['operator_session'] },
    operator_key: {
      type: 'object',
      required: ['id', 'name', 'prefix'],
      properties: { id: { type: 'string' }, name: { type: 'string' }, prefix: { type: 'string', description: 'The key’s first characters, to tell keys apart.' } },
    },
    expires_at: { ...timestamp, description: 'When the session ends if left unused (each use moves it on, up to 8 hours after sign-in).' },
    csrf_token: { type: 'string', description: 'Send as X-CSRF-Token with every change made with this session.' },
  },
} as const;

export const sessionResponses = { 200: sessionObject, ...errorResponses, 415: { $ref: 'ErrorResponse#' } } as const;
export const signOutResponses = { 200: { type: 'object', required: ['object', 'signed_out'], properties: { object: { type: 'string', enum: ['operator_session'] }, signed_out: { type: 'boolean' } } }, ...errorResponses } as const;
