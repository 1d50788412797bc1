import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { endpoint, registerEndpoints, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { DISPUTE_CATEGORIES, DISPUTE_REASONS } from '../../network/index.ts';
import type { IssuerDisputeRow, IssuerDisputes } from '../disputes/disputes.ts';
import { cardholderIdOf, operatorKeyIdOf } from './auth.ts';
import { issuerAuth } from './issuer-auth.ts';

const TAG = ['issuer: disputes'];
const iso = (ms: number | string | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^idsp_[A-Za-z0-9]{1,60}$' } } } as const;
const openBody = {
  type: 'object',
  additionalProperties: false,
  required: ['authorization_id', 'reason'],
  properties: {
    authorization_id: { type: 'string', pattern: '^iauth_[A-Za-z0-9]{1,60}$', description: 'The statement line’s authorization (iauth_…).' },
    reason: { type: 'string', enum: DISPUTE_CATEGORIES, description: 'fraud (not recognised), product_not_received, duplicate, credit_not_processed, not_as_described.' },
    evidence: { type: 'string', maxLength: 2000, default: '', description: 'What happened, in the cardholder’s words.' },
    amount: { type: 'integer', minimum: 1, description: 'USD cents; default: all that was settled and not refunded.' },
  },
} as const;
const decideBody = { type: 'object', additionalProperties: false, required: ['winner'], properties: { winner: { type: 'string', enum: ['cardholder', 'merchant'] } } } as const;

async function disputeJson(disputes: IssuerDisputes, row: IssuerDisputeRow) {
  return {
    id: row.id,
    object: 'dispute',
    card_id: row.card_id,
    authorization_id: row.authorization_id,
    reason: row.category,
    network: { scheme: row.scheme, reason_code: row.reason_code, title: DISPUTE_REASONS[row.category][row.scheme === 'mastercard' ? 'mastercard' : 'visa'].title },
    amount: { amount_minor: Number(row.amount_minor), currency: row.currency.toLowerCase() },
    provisional_credit: Number(row.provisional_credit_minor),
    status: row.status,
    winner: row.winner,
    evidence: row.statement,
    merchant_evidence: row.merchant_evidence === null ? null : (JSON.parse(row.merchant_evidence) as Record<string, string>),
    merchant_respond_by: iso(row.respond_by_ms),
    created_at: iso(row.created_at_ms),
    closed_at: iso(row.closed_at_ms),
    steps: (await disputes.steps(row.id)).map((s) => ({ step: s.step, detail: s.detail, amount_minor: s.amount_minor, at: iso(s.at_ms) })),
  };
}

/** Disputes under `/issuer/v1`: the cardholder opens and follows them; the sandbox operator decides after the merchant's evidence. */
export function disputeRoutes(options: { db: Database; clock: Clock; disputes: IssuerDisputes }): FastifyPluginAsync {
  const { db, clock, disputes } = options;
  return async (app: FastifyInstance) => {
    const auth = issuerAuth(db, clock);
    const endpoints: AnyEndpoint[] = [
      endpoint({
        method: 'POST',
        url: '/disputes',
        auth: auth.cardholder,
        schema: {
          tags: TAG,
          summary: 'Dispute a settled card payment',
          description: '409 dispute_not_settled (still pending), dispute_duplicate (already disputed), dispute_time_limit_passed (120 days); 400 dispute_amount_invalid.',
          body: openBody,
        },
        handler: async (request) => {
          const body = request.body;
          const row = await disputes.open({
            cardholderId: cardholderIdOf(request),
            authorizationId: body.authorization_id,
            category: body.reason,
            statement: body.evidence,
            ...(body.amount === undefined ? {} : { amountMinor: body.amount }),
          });
          return disputeJson(disputes, row);
        },
      }),
      endpoint({
        method: 'GET',
        url: '/disputes',
        auth: auth.cardholder,
        schema: { tags: TAG, summary: 'Your disputes, newest first (at most 100)' },
        handler: async (request) => ({ object: 'list', data: await Promise.all((await disputes.list(cardholderIdOf(request))).map((row) => disputeJson(disputes, row))) }),
      }),
      endpoint({
        method: 'GET',
        url: '/disputes/:id',
        auth: auth.cardholder,
        schema: { tags: TAG, summary: 'One dispute with every step of its case', params: idParams },
        handler: async (request) => disputeJson(disputes, await disputes.getOf(cardholderIdOf(request), request.params.id)),
      }),
      endpoint({
        method: 'POST',
        url: '/operator/disputes/:id/decide',
        auth: auth.operator,
        schema: { tags: ['issuer: operator'], summary: 'Sandbox: decide a dispute the merchant answered with evidence', params: idParams, body: decideBody },
        handler: async (request) => disputeJson(disputes, await disputes.decide(request.params.id, request.body.winner, operatorKeyIdOf(request))),
      }),
    ];
    registerEndpoints(app, endpoints);
  };
}
