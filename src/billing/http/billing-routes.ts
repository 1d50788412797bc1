import type { FastifyPluginAsync } from 'fastify';
import { BillingError } from '../errors.ts';
import type { BillingServices } from '../billing-services.ts';
import { creditBalance } from '../billing-ledger.ts';
import { findAttempt, listAttempts, type AttemptKind, type PaymentAttempt } from '../payments/payment-attempts.ts';
import { listPaymentMethods } from '../payments/payment-methods.ts';
import { listReceipts, receiptForAttempt } from '../payments/receipts.ts';
import { orgOf, requireOrganization } from './billing-auth.ts';
import { amountObject, paymentMethodObject, paymentObject, receiptObject } from './billing-objects.ts';

/**
 * The billing page's API, mounted at `/billing/v1`, for an organization
 * authenticated with one of its API keys (`Authorization: Bearer sk-cl-…`):
 * cards (add a tokenized card, set default, remove), the credit balance,
 * credit purchases, payment history and receipts. Card numbers never come
 * here: clients tokenize them at the provider with the publishable key that
 * `GET /settings` gives.
 */

const TAG = ['billing'];
const ID = { type: 'string', minLength: 1, maxLength: 120 } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: ID } } as const;
const LIST_LIMIT_MAX = 100;
const KINDS: readonly AttemptKind[] = ['verification', 'purchase', 'auto_recharge', 'subscription'];

export async function paymentWithReceipt(services: BillingServices, attempt: PaymentAttempt) {
  return paymentObject(attempt, attempt.status === 'succeeded' ? await receiptForAttempt(services.deps.db, attempt.id) : null);
}

/** A finished payment as the answer: 200 succeeded, 202 still processing, 402 declined (Stripe's card error shape, with the payment). */
export async function paymentAnswer(services: BillingServices, attempt: PaymentAttempt, reply: { status(code: number): unknown }) {
  const body = await paymentWithReceipt(services, attempt);
  if (attempt.status === 'failed') {
    throw new BillingError('card_declined', attempt.failure?.message ?? 'Your card was declined.', {
      ...(attempt.failure?.decline_code ? { declineCode: attempt.failure.decline_code } : {}),
      extra: { payment: body },
    });
  }
  reply.status(attempt.status === 'processing' ? 202 : 200);
  return body;
}

export function billingRoutes(services: BillingServices): FastifyPluginAsync {
  const { db } = services.deps;
  return async (app) => {
    requireOrganization(app, db, services.deps.clock);

    app.get('/settings', { schema: { tags: TAG, summary: 'Where and how to tokenize a card, and the purchase limits' } }, async () => {
      const endpoint = services.provider.endpoint();
      const config = services.deps.config;
      return {
        object: 'billing.settings',
        provider: { base_url: endpoint.baseUrl, publishable_key: endpoint.publishableKey },
        purchase_minimum: amountObject(config.purchaseMinimumMinor, 'USD'),
        purchase_maximum: amountObject(config.purchaseMaximumMinor, 'USD'),
        recharge_minimum: amountObject(config.rechargeMinimumMinor, 'USD'),
      };
    });

    app.get('/credit_balance', { schema: { tags: TAG, summary: "The organization's credit balance" } }, async (request) => {
      const org = orgOf(request);
      const balance = await creditBalance(db, org.id);
      return { object: 'billing.credit_balance', organization: org.id, available: amountObject(balance?.available_minor ?? 0, balance?.currency ?? 'USD') };
    });

    app.get('/payment_methods', { schema: { tags: TAG, summary: "The organization's cards" } }, async (request) => {
      const cards = await listPaymentMethods(db, orgOf(request).id);
      return { object: 'list', data: cards.map(paymentMethodObject) };
    });

    app.post<{ Body: { payment_method: string } }>(
      '/payment_methods',
      {
        schema: {
          tags: TAG,
          summary: 'Add a card (a payment method tokenized at the provider); it is verified first',
          body: { type: 'object', required: ['payment_method'], additionalProperties: false, properties: { payment_method: ID } },
        },
      },
      async (request, reply) => {
        const result = await services.paymentMethods.add(orgOf(request).id, request.body.payment_method);
        if (result.status === 'declined') return paymentAnswer(services, result.attempt, reply);
        if (result.status === 'processing') return paymentAnswer(services, result.attempt, reply);
        reply.status(201);
        return paymentMethodObject(result.paymentMethod);
      },
    );

    app.post<{ Params: { id: string } }>('/payment_methods/:id/default', { schema: { tags: TAG, summary: 'Make a card the default', params: idParams } }, async (request) =>
      paymentMethodObject(await services.paymentMethods.setDefault(orgOf(request).id, request.params.id)),
    );

    app.delete<{ Params: { id: string } }>('/payment_methods/:id', { schema: { tags: TAG, summary: 'Remove a card', params: idParams } }, async (request) => {
      await services.paymentMethods.remove(orgOf(request).id, request.params.id);
      return { id: request.params.id, object: 'billing.payment_method', deleted: true };
    });

    app.post<{ Body: { amount: number; payment_method?: string } }>(
      '/credit_purchases',
      {
        schema: {
          tags: TAG,
          summary: 'Buy credits with a card (customer-initiated); send an Idempotency-Key to make retries safe',
          body: {
            type: 'object',
            required: ['amount'],
            additionalProperties: false,
            properties: { amount: { type: 'integer', description: 'US cents' }, payment_method: ID },
          },
        },
      },
      async (request, reply) => {
        const clientKey = request.headers['idempotency-key'];
        if (clientKey !== undefined && (typeof clientKey !== 'string' || clientKey.length === 0 || clientKey.length > 255)) {
          throw new BillingError('parameter_invalid', 'Idempotency-Key is 1 to 255 characters.', { param: 'Idempotency-Key' });
        }
        const attempt = await services.purchases.buy(orgOf(request).id, {
          amountMinor: request.body.amount,
          paymentMethodId: request.body.payment_method ?? null,
          clientKey: clientKey ?? null,
        });
        return paymentAnswer(services, attempt, reply);
      },
    );

    app.get<{ Querystring: { limit?: number; before?: string; kind?: AttemptKind } }>(
      '/payments',
      {
        schema: {
          tags: TAG,
          summary: 'Payment history (newest first): verifications, purchases, recharges, subscription payments',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { limit: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX }, before: ID, kind: { type: 'string', enum: [...KINDS] } },
          },
        },
      },
      async (request) => {
        const limit = request.query.limit ?? 20;
        const rows = await listAttempts(db, orgOf(request).id, { limit: limit + 1, before: request.query.before ?? null, ...(request.query.kind ? { kind: request.query.kind } : {}) });
        const page = rows.slice(0, limit);
        return { object: 'list', data: await Promise.all(page.map((attempt) => paymentWithReceipt(services, attempt))), has_more: rows.length > limit };
      },
    );

    app.get<{ Params: { id: string } }>('/payments/:id', { schema: { tags: TAG, summary: 'One payment', params: idParams } }, async (request) => {
      const attempt = await findAttempt(db, request.params.id);
      if (attempt === null || attempt.orgId !== orgOf(request).id) throw new BillingError('resource_missing', `No payment ${request.params.id}.`);
      return paymentWithReceipt(services, attempt);
    });

    app.get<{ Querystring: { limit?: number } }>(
      '/receipts',
      { schema: { tags: TAG, summary: 'Receipts, newest first', querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX } } } } },
      async (request) => ({ object: 'list', data: (await listReceipts(db, orgOf(request).id, request.query.limit ?? 20)).map(receiptObject) }),
    );
  };
}
