/** JSON schemas of the identity API: Fastify validates and serializes with them, handlers are typed from them, and they become the OpenAPI document. */

import { KYC_REJECTION_REASONS, kycRejectionEntry } from '../identity/kyc-reasons.ts';
import { KYC_NOTE_MAX_CHARS } from '../identity/kyc.ts';
import { errorResponses, timestamp } from './common-schemas.ts';

// The codes a cardholder may see (a screening match shows as not_eligible).
const CARDHOLDER_REASONS = KYC_REJECTION_REASONS.map((reason) => kycRejectionEntry(reason).cardholderCode).join(', ');

/** A text for the cardholder in both languages (as notifications send theirs); the app shows the one it speaks. */
const bilingual = { type: 'object', required: ['zh', 'en'], properties: { zh: { type: 'string' }, en: { type: 'string' } } } as const;

/** What a cardholder is told about a rejection: the same four fields on a verification and on the status. */
const rejectionProperties = {
  reason: { type: 'string', nullable: true, description: `Why it was rejected, a code: ${CARDHOLDER_REASONS}. Null unless rejected.` },
  reason_text: { ...bilingual, nullable: true, description: 'What went wrong, in Chinese and English.' },
  next_step: { ...bilingual, nullable: true, description: 'What to do now: verify again with what, or whom to contact.' },
  can_resubmit: { type: 'boolean', nullable: true, description: 'Whether a new verification may be started (POST /kyc). Null unless rejected.' },
} as const;

export const cardholderSchema = {
  $id: 'IssuerCardholder',
  type: 'object',
  required: ['id', 'object', 'phone', 'kyc_status', 'kyc_reason', 'invite_code', 'opening_fee_waived', 'referral', 'created_at'],
  properties: {
    id: { type: 'string', description: 'ch_…' },
    object: { type: 'string', enum: ['cardholder'] },
    phone: { type: 'string', description: 'E.164' },
    kyc_status: { type: 'string', enum: ['not_started', 'pending', 'approved', 'rejected'] },
    kyc_reason: { type: 'string', nullable: true, description: `Why the last verification was rejected, a code (${CARDHOLDER_REASONS}); GET /kyc explains it.` },
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
  required: ['id', 'object', 'status', 'reason', 'reason_text', 'next_step', 'can_resubmit', 'qr_payload', 'created_at', 'completed_at'],
  properties: {
    id: { type: 'string', description: 'kyc_…' },
    object: { type: 'string', enum: ['kyc_verification'] },
    status: { type: 'string', enum: ['pending', 'approved', 'rejected'] },
    ...rejectionProperties,
    qr_payload: { type: 'string', description: 'Show as a QR code; scanning it starts the face check.' },
    created_at: timestamp,
    completed_at: { ...timestamp, nullable: true },
  },
} as const;

/** A verification as an operator's action answers it: the reason as decided and the note, never sent to the cardholder. */
export const operatorKycVerificationSchema = {
  $id: 'IssuerKycVerificationForOperator',
  type: 'object',
  required: ['id', 'object', 'status', 'reason', 'internal_note', 'legacy_reason_text', 'qr_payload', 'created_at', 'completed_at'],
  properties: {
    id: { type: 'string', description: 'kyc_…' },
    object: { type: 'string', enum: ['kyc_verification'] },
    status: { type: 'string', enum: ['pending', 'approved', 'rejected'] },
    reason: { type: 'string', nullable: true, enum: [...KYC_REJECTION_REASONS, null], description: 'Why it was rejected; null unless rejected.' },
    internal_note: { type: 'string', nullable: true, description: 'For operators only.' },
    legacy_reason_text: { type: 'string', nullable: true, description: 'A rejection from before the reason codes: the free text the cardholder was shown (its reason reads `other`).' },
    qr_payload: { type: 'string' },
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

export const rejectBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: {
    reason: {
      type: 'string',
      enum: KYC_REJECTION_REASONS,
      description: 'Why, a code (GET /operator/kyc/reasons lists them with what the cardholder is told): it decides whether the cardholder may verify again.',
    },
    internal_note: { type: 'string', maxLength: KYC_NOTE_MAX_CHARS, description: 'For operators only; never shown to the cardholder.' },
  },
} as const;

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

export const operatorVerificationResponses = { 200: { $ref: 'IssuerKycVerificationForOperator#' }, ...errorResponses } as const;

export const kycStartResponses = { 200: { $ref: 'IssuerKycVerification#' }, 201: { $ref: 'IssuerKycVerification#' }, ...errorResponses } as const;

export const kycStatusResponses = {
  200: {
    type: 'object',
    required: ['status', 'reason', 'reason_text', 'next_step', 'can_resubmit', 'verification'],
    properties: {
      status: { type: 'string', enum: ['not_started', 'pending', 'approved', 'rejected'] },
      ...rejectionProperties,
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
