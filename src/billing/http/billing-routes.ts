import type { FastifyPluginAsync } from 'fastify';
import { endpoint, registerEndpoints, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { BillingError } from '../errors.ts';
import type { BillingServices } from '../billing-services.ts';
import { creditBalance } from '../billing-ledger.ts';
import { findAttempt, listAttempts } from '../payments/payment-attempts.ts';
import { listPaymentMethods } from '../payments/payment-methods.ts';
import { listReceipts } from '../payments/receipts.ts';
import { organizationAuth, orgOf } from './billing-auth.ts';
import { amountObject, paymentMethodObject, receiptObject } from './billing-objects.ts';
import { addPaymentMethodBody, creditPurchaseBody, idParams, paymentsQuery, receiptsQuery } from './billing-schemas.ts';
import { addCardAnswer, paymentAnswer, paymentClientKey, paymentWithReceipt } from './payment-answer.ts';
import { cardReturnUrl } from './card-return-url.ts';

const TAG = ['billing'];

/**
 * The billing page's API, mounted at `/billing/v1`, for an organization
 * (an API key, `Authorization: Bearer sk-cl-…`, or a member's session;
 * billing-auth.ts): cards (add a tokenized card, set default, remove), the
 * credit balance, credit purchases, payment history and receipts. Card
 * numbers never come here: clients tokenize them at the provider with the
 * publishable key that `GET /settings` gives.
 */
export function billingEndpoints(services: BillingServices): AnyEndpoint[] {
  const { db } = services.deps;
  const auth = organizationAuth(db, services.deps.clock);
  return [
    endpoint({
      method: 'GET',
      url: '/settings',
      auth,
      schema: { tags: TAG, summary: 'Where and how to tokenize a card, and the purchase limits' },
      handler: async () => {
        const provider = services.provider.endpoint();
        const config = services.deps.config;
        return {
          object: 'billing.settings',
          provider: { base_url: provider.baseUrl, publishable_key: provider.publishableKey },
          purchase_minimum: amountObject(config.purchaseMinimumMinor, 'USD'),
          purchase_maximum: amountObject(config.purchaseMaximumMinor, 'USD'),
          recharge_minimum: amountObject(config.rechargeMinimumMinor, 'USD'),
        };
      },
    }),

    endpoint({
      method: 'GET',
      url: '/credit_balance',
      auth,
      schema: { tags: TAG, summary: "The organization's credit balance" },
      handler: async (request) => {
        const org = orgOf(request);
        const balance = await creditBalance(db, org.id);
        return { object: 'billing.credit_balance', organization: org.id, available: amountObject(balance?.available_minor ?? 0, balance?.currency ?? 'USD') };
      },
    }),

    endpoint({
      method: 'GET',
      url: '/payment_methods',
      auth,
      schema: { tags: TAG, summary: "The organization's cards" },
      handler: async (request) => {
        const cards = await listPaymentMethods(db, orgOf(request).id);
        return { object: 'list', data: cards.map((card) => paymentMethodObject(card, services.deps.clock.nowMs())) };
      },
    }),

    endpoint({
      method: 'POST',
      url: '/payment_methods',
      auth,
      schema: { tags: TAG, summary: 'Add a card (a payment method tokenized at the provider); it is verified first', body: addPaymentMethodBody },
      handler: async (request, reply) => {
        const returnUrl = cardReturnUrl(request.body.return_url, request.headers.host);
        return addCardAnswer(services, await services.paymentMethods.add(orgOf(request).id, request.body.payment_method, { returnUrl }), reply);
      },
    }),

    endpoint({
      method: 'POST',
      url: '/payment_methods/verifications/:id/complete',
      auth,
      schema: { tags: TAG, summary: "Finish a card's verification after the bank's 3-D Secure challenge (the id is the verification's, `card_attempt` on the return URL)", params: idParams },
      handler: async (request, reply) => addCardAnswer(services, await services.paymentMethods.complete(orgOf(request).id, request.params.id), reply),
    }),

    endpoint({
      method: 'POST',
      url: '/payment_methods/:id/default',
      auth,
      schema: { tags: TAG, summary: 'Make a card the default', params: idParams },
      handler: async (request) => paymentMethodObject(await services.paymentMethods.setDefault(orgOf(request).id, request.params.id), services.deps.clock.nowMs()),
    }),

    endpoint({
      method: 'DELETE',
      url: '/payment_methods/:id',
      auth,
      schema: { tags: TAG, summary: 'Remove a card', params: idParams },
      handler: async (request) => {
        await services.paymentMethods.remove(orgOf(request).id, request.params.id);
        return { id: request.params.id, object: 'billing.payment_method', deleted: true };
      },
    }),

    endpoint({
      method: 'POST',
      url: '/credit_purchases',
      auth,
      schema: {
        tags: TAG,
        summary: 'Buy credits with a card (customer-initiated); send an Idempotency-Key to make retries safe',
        body: creditPurchaseBody,
      },
      handler: async (request, reply) => {
        const clientKey = paymentClientKey(request.headers);
        const attempt = await services.purchases.buy(orgOf(request).id, {
          amountMinor: request.body.amount,
          paymentMethodId: request.body.payment_method ?? null,
          clientKey,
        });
        return paymentAnswer(services, attempt, reply);
      },
    }),

    endpoint({
      method: 'GET',
      url: '/payments',
      auth,
      schema: { tags: TAG, summary: 'Payment history (newest first): verifications, purchases, recharges, subscription payments', querystring: paymentsQuery },
      handler: async (request) => {
        const { limit = 20, before, kind } = request.query;
        const rows = await listAttempts(db, orgOf(request).id, { limit: limit + 1, before: before ?? null, ...(kind ? { kind } : {}) });
        const page = rows.slice(0, limit);
        return { object: 'list', data: await Promise.all(page.map((attempt) => paymentWithReceipt(services, attempt))), has_more: rows.length > limit };
      },
    }),

    endpoint({
      method: 'GET',
      url: '/payments/:id',
      auth,
      schema: { tags: TAG, summary: 'One payment', params: idParams },
      handler: async (request) => {
        const attempt = await findAttempt(db, request.params.id);
        if (attempt === null || attempt.orgId !== orgOf(request).id) throw new BillingError('resource_missing', `No payment ${request.params.id}.`);
        return paymentWithReceipt(services, attempt);
      },
    }),

    endpoint({
      method: 'GET',
      url: '/receipts',
      auth,
      schema: { tags: TAG, summary: 'Receipts, newest first', querystring: receiptsQuery },
      handler: async (request) => ({ object: 'list', data: (await listReceipts(db, orgOf(request).id, request.query.limit ?? 20)).map(receiptObject) }),
    }),
  ];
}

export function billingRoutes(services: BillingServices): FastifyPluginAsync {
  return async (app) => registerEndpoints(app, billingEndpoints(services));
}
