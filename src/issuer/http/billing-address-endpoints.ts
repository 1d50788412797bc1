import type { Database } from '../../platform/db/database.ts';
import { endpoint, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import type { Clock } from '../../platform/clock.ts';
import { setCardholderBillingAddress } from '../identity/cardholder-address.ts';
import { cardholderIdOf } from './auth.ts';
import { errorResponses } from './common-schemas.ts';
import { idempotencyHeaderSchema, runMutation } from './idempotent-route.ts';
import type { IssuerAuth } from './issuer-auth.ts';

const TEXT = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;

const addressSchema = {
  type: 'object',
  required: ['line1', 'city', 'state', 'postal_code', 'country'],
  additionalProperties: false,
  properties: { line1: TEXT(200), line2: TEXT(200), city: TEXT(100), state: TEXT(100), postal_code: TEXT(20), country: TEXT(2) },
} as const;

const addressResponses = {
  200: { type: 'object', required: ['billing_address'], properties: { billing_address: addressSchema } },
  ...errorResponses,
} as const;

/**
 * The cardholder sets their own billing address (cardholder-address.ts):
 * AVS then checks what merchants send against it instead of the program's
 * public address. Every card of theirs shows it (`billing_address`).
 */
export function billingAddressEndpoints(db: Database, clock: Clock, auth: IssuerAuth): AnyEndpoint[] {
  return [
    endpoint({
      method: 'PUT',
      url: '/me/billing_address',
      auth: auth.cardholder,
      schema: {
        tags: ['issuer: identity'],
        summary: 'Set your billing address (what merchants’ address checks compare with)',
        headers: idempotencyHeaderSchema,
        body: addressSchema,
        response: addressResponses,
      },
      handler: async (request, reply) => {
        const id = cardholderIdOf(request);
        const nowMs = clock.nowMs();
        return runMutation(db, request, reply, id, nowMs, async (tx) => ({
          status: 200,
          body: { billing_address: await setCardholderBillingAddress(tx, id, request.body, nowMs) },
        }));
      },
    }),
  ];
}
