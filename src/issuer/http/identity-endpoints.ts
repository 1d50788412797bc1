import type { Database } from '../../platform/db/database.ts';
import type { AppError } from '../../platform/errors.ts';
import { RateLimiter, type RateLimitPolicy } from '../../platform/http/rate-limit.ts';
import { endpoint, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { IssuerError } from '../errors.ts';
import { normalizePhone } from '../phone.ts';
import { applyInviteCode, getCardholder, type Cardholder } from '../identity/cardholders.ts';
import type { IdentityDeps } from '../identity/deps.ts';
import { completeKycVerification, getKycVerification, latestKycVerification, startKycVerification } from '../identity/kyc.ts';
import { readSandboxInbox } from '../identity/sms-provider.ts';
import { requestSignInCode, verifySignInCode } from '../identity/sign-in.ts';
import { revokeSession } from '../identity/sessions.ts';
import { cardholderIdOf, cardholderSessionIdOf, operatorKeyIdOf } from './auth.ts';
import { idempotencyHeaderSchema, runMutation } from './idempotent-route.ts';
import { cardholderJson, kycStatusJson, operatorVerificationJson, sandboxSmsJson, signInCodeJson, signInJson, verificationJson } from './identity-presenters.ts';
import {
  cardholderResponses,
  inviteBody,
  kycIdParams,
  kycStartResponses,
  kycStatusResponses,
  operatorVerificationResponses,
  rejectBody,
  signInBody,
  signInCodeBody,
  signInCodeResponses,
  signInResponses,
  signOutResponses,
  smsInboxQuery,
  smsInboxResponses,
  verificationResponses,
} from './identity-schemas.ts';
import type { IssuerAuth } from './issuer-auth.ts';

const TAG = ['issuer: identity'];

/**
 * Per client address, in front of the two routes anyone may call. Generous
 * for people (a sign-in is one code and one or two tries); what matters
 * stays in the database: 20 codes an hour per address, 5 wrong tries per
 * code. These make a flood cost the caller rather than the database.
 */
export const SIGN_IN_CODE_RATE_LIMIT: RateLimitPolicy = { name: 'issuer_sign_in_code', burst: 30, perWindow: 30, windowMs: 60_000 };
export const SIGN_IN_RATE_LIMIT: RateLimitPolicy = { name: 'issuer_sign_in', burst: 30, perWindow: 30, windowMs: 60_000 };

/**
 * The issuer's identity API, mounted under `/issuer/v1` by `identityRoutes`:
 * sign-in by phone and one-time code, the cardholder's own record and invite
 * code, KYC, and the operator's sandbox controls (SMS inbox, KYC outcomes).
 */
export function identityEndpoints(db: Database, deps: IdentityDeps, auth: IssuerAuth): AnyEndpoint[] {
  const clock = deps.clock;
  const signInCodeLimit = new RateLimiter(SIGN_IN_CODE_RATE_LIMIT, clock);
  const signInLimit = new RateLimiter(SIGN_IN_RATE_LIMIT, clock);

  return [
    endpoint({
      method: 'POST',
      url: '/sessions/code',
      auth: null,
      rateLimit: signInCodeLimit,
      schema: {
        tags: TAG,
        summary: 'Send a one-time sign-in code by SMS',
        description: 'Six digits, valid 5 minutes; one per minute per phone, rate-limited per phone and per client address (429 with Retry-After).',
        headers: idempotencyHeaderSchema,
        body: signInCodeBody,
        response: signInCodeResponses,
      },
      handler: async (request, reply) => {
        const { phone } = request.body;
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
          return { status: 200, body: signInCodeJson(result) };
        });
      },
    }),

    endpoint({
      method: 'POST',
      url: '/sessions',
      auth: null,
      rateLimit: signInLimit,
      schema: {
        tags: TAG,
        summary: 'Sign in (or sign up) with the code',
        description:
          'Creates the cardholder on first sign-in; an invite code waives the card-opening fee. Returns a session token for `Authorization: Bearer`. ' +
          'Idempotency-Key is not needed here: a code works once, so a retry answers code_used; the answer is never saved because it holds the token.',
        body: signInBody,
        response: signInResponses,
      },
      handler: async (request) => {
        const { phone, code, invite_code } = request.body;
        // Committed even when refused: a wrong code must count.
        const result = await db.transaction((tx) => verifySignInCode(tx, deps, { phone, code, inviteCode: invite_code }));
        if (!result.ok) {
          const param = result.code === 'phone_invalid' ? 'phone' : result.code.startsWith('invite_code') ? 'invite_code' : 'code';
          throw new IssuerError(result.code, result.message, { param });
        }
        return signInJson(db, result);
      },
    }),

    endpoint({
      method: 'DELETE',
      url: '/sessions',
      auth: auth.cardholder,
      schema: {
        tags: TAG,
        summary: 'Sign out: the session token used stops working at once',
        description:
          'Ends only the session whose token authenticates this request (other devices stay signed in). ' +
          'Safe to repeat in effect: once signed out, the token answers 401 authentication_required, here as everywhere.',
        response: signOutResponses,
      },
      handler: async (request) => {
        const sessionId = cardholderSessionIdOf(request);
        // Not revoked here means another request signed it out a moment ago: the outcome asked for holds either way.
        await revokeSession(db, sessionId, clock.nowMs());
        return { id: sessionId, object: 'session' as const, deleted: true as const };
      },
    }),

    endpoint({
      method: 'GET',
      url: '/me',
      auth: auth.cardholder,
      schema: { tags: TAG, summary: 'The signed-in cardholder', response: cardholderResponses },
      handler: async (request) => cardholderJson(db, await mustGetCardholder(db, cardholderIdOf(request))),
    }),

    endpoint({
      method: 'POST',
      url: '/me/invite',
      auth: auth.cardholder,
      schema: { tags: TAG, summary: 'Apply an invite code (before the first card)', headers: idempotencyHeaderSchema, body: inviteBody, response: cardholderResponses },
      handler: async (request, reply) => {
        const id = cardholderIdOf(request);
        const { invite_code } = request.body;
        const nowMs = clock.nowMs();
        return runMutation(db, request, reply, id, nowMs, async (tx) => {
          const cardholder = await applyInviteCode(tx, id, invite_code, nowMs);
          return { status: 200, body: await cardholderJson(tx, cardholder) };
        });
      },
    }),

    endpoint({
      method: 'POST',
      url: '/kyc',
      auth: auth.cardholder,
      schema: {
        tags: TAG,
        summary: 'Start identity verification (or show the one pending)',
        description:
          'Returns a QR payload for the face check; the outcome arrives later (GET /kyc). After a rejection, call again to re-submit — ' +
          'unless the rejection’s reason allows none (`can_resubmit` false): then 409 kyc_resubmission_not_allowed.',
        headers: idempotencyHeaderSchema,
        response: kycStartResponses,
      },
      handler: async (request, reply) => {
        const id = cardholderIdOf(request);
        return runMutation(db, request, reply, id, clock.nowMs(), async (tx) => {
          const { verification, started } = await startKycVerification(tx, deps, id);
          return { status: started ? 201 : 200, body: verificationJson(verification) };
        });
      },
    }),

    endpoint({
      method: 'GET',
      url: '/kyc',
      auth: auth.cardholder,
      schema: {
        tags: TAG,
        summary: 'Identity verification status',
        description: 'When rejected: the reason’s code, what went wrong and what to do next in Chinese and English, and whether a new verification may be started.',
        response: kycStatusResponses,
      },
      handler: async (request) => {
        const cardholder = await mustGetCardholder(db, cardholderIdOf(request));
        return kycStatusJson(cardholder, await latestKycVerification(db, cardholder.id));
      },
    }),

    endpoint({
      method: 'GET',
      url: '/kyc/:id',
      auth: auth.cardholder,
      schema: { tags: TAG, summary: 'One of the cardholder’s verifications', params: kycIdParams, response: verificationResponses },
      handler: async (request) => {
        const { id } = request.params;
        const verification = await getKycVerification(db, id);
        // Someone else's is answered exactly like one that does not exist.
        if (verification === undefined || verification.cardholderId !== cardholderIdOf(request)) throw noSuchVerification(id);
        return verificationJson(verification);
      },
    }),

    // Operator: sandbox controls.

    endpoint({
      method: 'GET',
      url: '/operator/sms',
      auth: auth.operator,
      schema: { tags: TAG, summary: 'Sandbox SMS inbox of a phone (newest first)', querystring: smsInboxQuery, response: smsInboxResponses },
      handler: async (request) => {
        const phone = normalizePhone(request.query.phone, deps.defaultCountry);
        if (!phone.ok) throw new IssuerError('phone_invalid', phone.message, { param: 'phone' });
        const messages = await readSandboxInbox(db, phone.e164, request.query.limit);
        return { data: messages.map(sandboxSmsJson) };
      },
    }),

    endpoint({
      method: 'POST',
      url: '/operator/kyc/:id/approve',
      auth: auth.operator,
      schema: {
        tags: TAG,
        summary: 'Sandbox: approve a pending verification (the provider’s callback)',
        headers: idempotencyHeaderSchema,
        params: kycIdParams,
        response: operatorVerificationResponses,
      },
      handler: async (request, reply) =>
        runMutation(db, request, reply, operatorKeyIdOf(request), clock.nowMs(), async (tx) => {
          const verification = await completeKycVerification(tx, clock, request.params.id, { decision: 'approved' });
          return { status: 200, body: operatorVerificationJson(verification) };
        }),
    }),

    endpoint({
      method: 'POST',
      url: '/operator/kyc/:id/reject',
      auth: auth.operator,
      schema: {
        tags: TAG,
        summary: 'Sandbox: reject a pending verification with a reason code',
        description:
          'The reason is a code (an unknown one: 400 parameter_invalid, nothing changed); the cardholder is told what it means and what to do, ' +
          'in Chinese and English. `internal_note` is for operators only and never reaches the cardholder.',
        headers: idempotencyHeaderSchema,
        params: kycIdParams,
        body: rejectBody,
        response: operatorVerificationResponses,
      },
      handler: async (request, reply) =>
        runMutation(db, request, reply, operatorKeyIdOf(request), clock.nowMs(), async (tx) => {
          const { reason, internal_note } = request.body;
          const verification = await completeKycVerification(tx, clock, request.params.id, { decision: 'rejected', reason, internalNote: internal_note ?? null });
          return { status: 200, body: operatorVerificationJson(verification) };
        }),
    }),
  ];
}

async function mustGetCardholder(db: Database, id: string): Promise<Cardholder> {
  const cardholder = await getCardholder(db, id);
  if (cardholder === undefined) throw new IssuerError('resource_missing', 'No such cardholder.');
  return cardholder;
}

function noSuchVerification(id: string): AppError {
  return new IssuerError('resource_missing', `No such KYC verification: ${id}.`, { param: 'id' });
}
