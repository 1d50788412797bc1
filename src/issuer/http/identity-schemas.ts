/** JSON schemas of the identity API's objects; Fastify validates and serializes with them and they become the OpenAPI document. */

const timestamp = { type: 'string', format: 'date-time' } as const;

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

export const errorResponses = {
  400: { $ref: 'ErrorResponse#' },
  401: { $ref: 'ErrorResponse#' },
  403: { $ref: 'ErrorResponse#' },
  404: { $ref: 'ErrorResponse#' },
  409: { $ref: 'ErrorResponse#' },
  429: { $ref: 'ErrorResponse#' },
} as const;
