import { errorResponses } from './common-schemas.ts';

/** The cardholder app's session (cardholder-browser-session-endpoints.ts): never the token itself, which stays in the HttpOnly cookie. */
const browserSessionObject = {
  type: 'object',
  required: ['object', 'expires_at', 'csrf_token', 'cardholder'],
  properties: {
    object: { type: 'string', enum: ['browser_session'] },
    expires_at: {
      type: 'string',
      description: 'When the session ends if it is not used again: each use moves this 12 hours ahead (written at most once a minute), up to 30 days after sign-in.',
    },
    csrf_token: { type: 'string', description: 'Send as X-CSRF-Token with every change made with this session (403 csrf_token_invalid without it).' },
    signed_up: { type: 'boolean', description: 'At sign-in only: true when this sign-in created the cardholder.' },
    cardholder: { $ref: 'IssuerCardholder#' },
  },
} as const;

export const browserSessionResponses = { 200: browserSessionObject, ...errorResponses, 415: { $ref: 'ErrorResponse#' } } as const;

export const browserSignOutResponses = {
  200: { type: 'object', required: ['object', 'signed_out'], properties: { object: { type: 'string', enum: ['browser_session'] }, signed_out: { type: 'boolean', enum: [true] } } },
  ...errorResponses,
} as const;
