import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { IssuerError } from '../errors.ts';
import { normalizePhone } from '../phone.ts';
import { applyInviteCode, getCardholder, getReferral, type Cardholder } from '../identity/cardholders.ts';
import type { IdentityDeps } from '../identity/deps.ts';
import { completeKycVerification, getKycVerification, latestKycVerification, startKycVerification, type KycVerification } from '../identity/kyc.ts';
import { readSandboxInbox } from '../identity/sms-provider.ts';
import { requestSignInCode, verifySignInCode } from '../identity/sign-in.ts';
import { cardholderIdOf, CARDHOLDER_SECURITY, operatorKeyIdOf, OPERATOR_SECURITY, requireCardholder, requireOperator } from './auth.ts';
import { cardholderSchema, errorResponses, inviteCodeInput, kycVerificationSchema, phoneInput } from './identity-schemas.ts';
import { idempotencyHeaderSchema, runMutation } from './idempotent-route.ts';

export interface IdentityRoutesOptions {
  readonly db: Database;
  readonly deps: IdentityDeps;
}

const iso = (ms: number) => new Date(ms).toISOString();
const TAG = ['issuer: identity'];

/**
 * The issuer's identity API: sign-in by phone and one-time code, the
 * cardholder's own record and invite code, KYC, and the operator's sandbox
 * controls (SMS inbox, KYC outcomes). Mounted under `/issuer/v1`.
 */
export function identityRoutes(options: IdentityRoutesOptions): FastifyPluginAsync {
  const { db, deps } = options;
  const clock = deps.clock;
  return async (app: FastifyInstance) => {
    app.addSchema(cardholderSchema);
    app.addSchema(kycVerificationSchema);
    const cardholderAuth = requireCardholder(db, clock);
    const operatorAuth = requireOperator(db);

    app.post(
      '/sessions/code',
      {
        schema: {
          tags: TAG,
          summary: 'Send a one-time sign-in code by SMS',
          description: 'Six digits, valid 5 minutes; one per minute per phone, rate-limited per phone and per client address (429 with Retry-After).',
          headers: idempotencyHeaderSchema,
          body: { type: 'object', required: ['phone'], additionalProperties: false, properties: { phone: phoneInput } },
          response: {
            200: {
              type: 'object',
              required: ['phone', 'expires_at', 'resend_after'],
              properties: { phone: { type: 'string' }, expires_at: { type: 'string' }, resend_after: { type: 'string' } },
            },
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const { phone } = request.body as { phone: string };
        const nowMs = clock.nowMs();
        return runMutation(db, request, reply, `issuer:address:${request.ip}`, nowMs, async (tx) => {
          const result = await requestSignInCode(tx, deps, { phone, clientAddress: request.ip });
          if (!result.ok) {
            if (result.code === 'rate_limited') {
              reply.header('retry-after', String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
              throw new IssuerError('rate_limited', result.message);
            }
            throw new IssuerError('phone_invalid', result.message, { param: 'phone' });
          }
          return { status: 200, body: { phone: result.phoneE164, expires_at: iso(result.expiresAtMs), resend_after: iso(result.resendAfterMs) } };
        });
      },
    );

    app.post(
      '/sessions',
      {
        schema: {
          tags: TAG,
          summary: 'Sign in (or sign up) with the code',
          description:
            'Creates the cardholder on first sign-in; an invite code waives the card-opening fee. Returns a session token for `Authorization: Bearer`. ' +
            'Idempotency-Key is not needed here: a code works once, so a retry answers code_used; the answer is never saved because it holds the token.',
          body: {
            type: 'object',
            required: ['phone', 'code'],
            additionalProperties: false,
            properties: { phone: phoneInput, code: { type: 'string', minLength: 1, maxLength: 20 }, invite_code: inviteCodeInput },
          },
          response: {
            200: {
              type: 'object',
              required: ['token', 'expires_at', 'signed_up', 'cardholder'],
              properties: {
                token: { type: 'string' },
                expires_at: { type: 'string' },
                signed_up: { type: 'boolean', description: 'True when this sign-in created the cardholder.' },
                cardholder: { $ref: 'IssuerCardholder#' },
              },
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const body = request.body as { phone: string; code: string; invite_code?: string };
        // Committed even when refused: a wrong code must count.
        const result = await db.transaction((tx) => verifySignInCode(tx, deps, { phone: body.phone, code: body.code, inviteCode: body.invite_code }));
        if (!result.ok) {
          const param = result.code === 'phone_invalid' ? 'phone' : result.code.startsWith('invite_code') ? 'invite_code' : 'code';
          throw new IssuerError(result.code, result.message, { param });
        }
        return {
          token: result.session.token,
          expires_at: iso(result.session.expiresAtMs),
          signed_up: result.signedUp,
          cardholder: await cardholderJson(db, result.cardholder),
        };
      },
    );

    app.get(
      '/me',
      { preHandler: cardholderAuth, schema: { tags: TAG, summary: 'The signed-in cardholder', security: CARDHOLDER_SECURITY, response: { 200: { $ref: 'IssuerCardholder#' }, ...errorResponses } } },
      async (request) => cardholderJson(db, await mustGetCardholder(db, cardholderIdOf(request))),
    );

    app.post(
      '/me/invite',
      {
        preHandler: cardholderAuth,
        schema: {
          tags: TAG,
          summary: 'Apply an invite code (before the first card)',
          security: CARDHOLDER_SECURITY,
          headers: idempotencyHeaderSchema,
          body: { type: 'object', required: ['invite_code'], additionalProperties: false, properties: { invite_code: inviteCodeInput } },
          response: { 200: { $ref: 'IssuerCardholder#' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        const id = cardholderIdOf(request);
        const { invite_code } = request.body as { invite_code: string };
        const nowMs = clock.nowMs();
        return runMutation(db, request, reply, id, nowMs, async (tx) => {
          const cardholder = await applyInviteCode(tx, id, invite_code, nowMs);
          return { status: 200, body: await cardholderJson(tx, cardholder) };
        });
      },
    );

    app.post(
      '/kyc',
      {
        preHandler: cardholderAuth,
        schema: {
          tags: TAG,
          summary: 'Start identity verification (or show the one pending)',
          description: 'Returns a QR payload for the face check; the outcome arrives later (GET /kyc). After a rejection, call again to re-submit.',
          security: CARDHOLDER_SECURITY,
          headers: idempotencyHeaderSchema,
          response: { 200: { $ref: 'IssuerKycVerification#' }, 201: { $ref: 'IssuerKycVerification#' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        const id = cardholderIdOf(request);
        return runMutation(db, request, reply, id, clock.nowMs(), async (tx) => {
          const { verification, started } = await startKycVerification(tx, deps, id);
          return { status: started ? 201 : 200, body: verificationJson(verification) };
        });
      },
    );

    app.get(
      '/kyc',
      {
        preHandler: cardholderAuth,
        schema: {
          tags: TAG,
          summary: 'Identity verification status',
          security: CARDHOLDER_SECURITY,
          response: {
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
          },
        },
      },
      async (request) => {
        const cardholder = await mustGetCardholder(db, cardholderIdOf(request));
        const latest = await latestKycVerification(db, cardholder.id);
        return { status: cardholder.kycStatus, reason: cardholder.kycReason, verification: latest === undefined ? null : verificationJson(latest) };
      },
    );

    app.get(
      '/kyc/:id',
      {
        preHandler: cardholderAuth,
        schema: {
          tags: TAG,
          summary: 'One of the cardholder’s verifications',
          security: CARDHOLDER_SECURITY,
          params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
          response: { 200: { $ref: 'IssuerKycVerification#' }, ...errorResponses },
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const verification = await getKycVerification(db, id);
        // Someone else's is answered exactly like one that does not exist.
        if (verification === undefined || verification.cardholderId !== cardholderIdOf(request)) throw noSuchVerification(id);
        return verificationJson(verification);
      },
    );

    // Operator: sandbox controls.

    app.get(
      '/operator/sms',
      {
        preHandler: operatorAuth,
        schema: {
          tags: TAG,
          summary: 'Sandbox SMS inbox of a phone (newest first)',
          security: OPERATOR_SECURITY,
          querystring: {
            type: 'object',
            required: ['phone'],
            additionalProperties: false,
            properties: { phone: phoneInput, limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          },
          response: {
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
          },
        },
      },
      async (request) => {
        const query = request.query as { phone: string; limit: number };
        const phone = normalizePhone(query.phone, deps.defaultCountry);
        if (!phone.ok) throw new IssuerError('phone_invalid', phone.message, { param: 'phone' });
        const messages = await readSandboxInbox(db, phone.e164, query.limit);
        return { data: messages.map((m) => ({ id: m.id, phone: m.phone, body: m.body, created_at: iso(m.createdAtMs) })) };
      },
    );

    const completion = (decision: 'approved' | 'rejected') => async (request: FastifyRequest, reply: FastifyReply) => {
      const { id } = request.params as { id: string };
      const reason = decision === 'rejected' ? (request.body as { reason: string }).reason : undefined;
      return runMutation(db, request, reply, operatorKeyIdOf(request), clock.nowMs(), async (tx) => {
        const verification = await completeKycVerification(
          tx,
          clock,
          id,
          decision === 'approved' ? { decision } : { decision, reason: reason! },
        );
        return { status: 200, body: verificationJson(verification) };
      });
    };
    const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

    app.post(
      '/operator/kyc/:id/approve',
      {
        preHandler: operatorAuth,
        schema: {
          tags: TAG,
          summary: 'Sandbox: approve a pending verification (the provider’s callback)',
          security: OPERATOR_SECURITY,
          headers: idempotencyHeaderSchema,
          params: idParams,
          response: { 200: { $ref: 'IssuerKycVerification#' }, ...errorResponses },
        },
      },
      completion('approved'),
    );

    app.post(
      '/operator/kyc/:id/reject',
      {
        preHandler: operatorAuth,
        schema: {
          tags: TAG,
          summary: 'Sandbox: reject a pending verification with a reason',
          security: OPERATOR_SECURITY,
          headers: idempotencyHeaderSchema,
          params: idParams,
          body: { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } } },
          response: { 200: { $ref: 'IssuerKycVerification#' }, ...errorResponses },
        },
      },
      completion('rejected'),
    );
  };
}

async function mustGetCardholder(db: Database, id: string): Promise<Cardholder> {
  const cardholder = await getCardholder(db, id);
  if (cardholder === undefined) throw new IssuerError('resource_missing', 'No such cardholder.');
  return cardholder;
}

async function cardholderJson(sql: Parameters<typeof getReferral>[0], cardholder: Cardholder) {
  const referral = await getReferral(sql, cardholder.id);
  return {
    id: cardholder.id,
    object: 'cardholder' as const,
    phone: cardholder.phoneE164,
    kyc_status: cardholder.kycStatus,
    kyc_reason: cardholder.kycReason,
    invite_code: cardholder.inviteCode,
    opening_fee_waived: cardholder.openingFeeWaived,
    referral: referral === undefined ? null : { invite_code: referral.inviteCode, created_at: iso(referral.createdAtMs) },
    created_at: iso(cardholder.createdAtMs),
  };
}

function verificationJson(verification: KycVerification) {
  return {
    id: verification.id,
    object: 'kyc_verification' as const,
    status: verification.status,
    reason: verification.reason,
    qr_payload: verification.qrPayload,
    created_at: iso(verification.createdAtMs),
    completed_at: verification.completedAtMs === null ? null : iso(verification.completedAtMs),
  };
}

function noSuchVerification(id: string): AppError {
  return new IssuerError('resource_missing', `No such KYC verification: ${id}.`, { param: 'id' });
}
