/** JSON schemas of the identity API: Fastify validates and serializes with them, handlers are typed from them, and they become the OpenAPI document. */

import { errorResponses, timestamp } from './common-schemas.ts';

export const cardholderSchema = {
  $id: 'IssuerCardholder',
  type: 'object',
  required: ['id', 'object', 'phone', 'kyc_status', 'kyc_reason', 'invite_code', 'opening_fee_waived', 'referral', 'created_at'],
  properties: {
    id: { type: 'string', description: 'ch_…' },
    object: { type: 'string', enum: ['cardholder'] },
    phone: { type: 'string', description: 'E.164' },
    kyc_status: { type: 'string', enum: ['not_started', 'pending', 'approved', 'rejected'] },
    kyc_reason: { type: 'string', nullable: true, description: 'Why the last verification was rejected.' },
    invite_code: { type: 'string', description: 'This cardholder’s own code to share.' },
    opening_fee_waived: { type: 'boolean' },
    referral: {
      type: 'object',
      nullable: true,
      required: ['invite_code', 'created_at'],
      properties: { invite_code: { type: 'string' }, created_at: timestamp },
    },
    created_at: timestamp,
  },
} as const;

export const kycVerificationSchema = {
  $id: 'IssuerKycVerification',
  type: 'object',
  required: ['id', 'object', 'status', 'reason', 'qr_payload', 'created_at', 'completed_at'],
  properties: {
    id: { type: 'string', description: 'kyc_…' },
    object: { type: 'string', enum: ['kyc_verification'] },
    status: { type: 'string', enum: ['pending', 'approved', 'rejected'] },
    reason: { type: 'string', nullable: true },
    qr_payload: { type: 'string', description: 'Show as a QR code; scanning it starts the face check.' },
    created_at: timestamp,
    completed_at: { ...timestamp, nullable: true },
  },
} as const;

export const phoneInput = { type: 'string', minLength: 1, maxLength: 40, description: 'E.164, e.g. +8613800138000' } as const;
export const inviteCodeInput = { type: 'string', minLength: 1, maxLength: 64, description: 'e.g. 7KQ2-M9XD' } as const;

// --- Requests -----------------------------------------------------------------

export const signInCodeBody = { type: 'object', required: ['phone'], additionalProperties: false, properties: { phone: phoneInput } } as const;

export const signInBody = {
  type: 'object',
  required: ['phone', 'code'],
  additionalProperties: false,
  properties: { phone: phoneInput, code: { type: 'string', minLength: 1, maxLength: 20 }, invite_code: inviteCodeInput },
} as const;

export const inviteBody = { type: 'object', required: ['invite_code'], additionalProperties: false, properties: { invite_code: inviteCodeInput } } as const;

export const kycIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

export const smsInboxQuery = {
  type: 'object',
  required: ['phone'],
  additionalProperties: false,
  properties: { phone: phoneInput, limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
} as const;

export const rejectBody = { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } } } as const;

// --- Responses ----------------------------------------------------------------

export const signInCodeResponses = {
  200: {
    type: 'object',
    required: ['phone', 'expires_at', 'resend_after'],
    properties: { phone: { type: 'string' }, expires_at: { type: 'string' }, resend_after: { type: 'string' } },
  },
  ...errorResponses,
} as const;

export const signInResponses = {
  200: {
    type: 'object',
    required: ['token', 'expires_at', 'signed_up', 'cardholder'],
    properties: {
      token: { type: 'string' },
      expires_at: {
        type: 'string',
        description: 'When the session ends if it is not used again: each use moves this 12 hours ahead (written at most once a minute), up to 30 days after sign-in.',
      },
      signed_up: { type: 'boolean', description: 'True when this sign-in created the cardholder.' },
      cardholder: { $ref: 'IssuerCardholder#' },
    },
  },
  ...errorResponses,
} as const;

export const signOutResponses = {
  200: {
    type: 'object',
    required: ['id', 'object', 'deleted'],
    properties: {
      id: { type: 'string', description: 'ses_…: the session the request was made with.' },
      object: { type: 'string', enum: ['session'] },
      deleted: { type: 'boolean', enum: [true] },
    },
  },
  ...errorResponses,
} as const;

export const cardholderResponses = { 200: { $ref: 'IssuerCardholder#' }, ...errorResponses } as const;

export const verificationResponses = { 200: { $ref: 'IssuerKycVerification#' }, ...errorResponses } as const;

export const kycStartResponses = { 200: { $ref: 'IssuerKycVerification#' }, 201: { $ref: 'IssuerKycVerification#' }, ...errorResponses } as const;

export const kycStatusResponses = {
  200: {
    type: 'object',
    required: ['status', 'reason', 'verification'],
    properties: {
      status: { type: 'string', enum: ['not_started', 'pending', 'approved', 'rejected'] },
      reason: { type: 'string', nullable: true },
      verification: { anyOf: [{ $ref: 'IssuerKycVerification#' }, { type: 'null' }] },
    },
  },
  ...errorResponses,
} as const;

export const smsInboxResponses = {
  200: {
    type: 'object',
    required: ['data'],
    properties: {
      data: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'phone', 'body', 'created_at'],
          properties: { id: { type: 'string' }, phone: { type: 'string' }, body: { type: 'string' }, created_at: { type: 'string' } },
        },
      },
    },
  },
  ...errorResponses,
} as const;
