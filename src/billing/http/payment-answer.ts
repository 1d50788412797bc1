import type { IncomingHttpHeaders } from 'node:http';
import type { BillingServices } from '../billing-services.ts';
import { BillingError } from '../errors.ts';
import type { PaymentAttempt } from '../payments/payment-attempts.ts';
import type { AddCardResult } from '../payments/payment-methods.ts';
import { receiptForAttempt } from '../payments/receipts.ts';
import { invoiceForAttempt } from '../invoices/invoices.ts';
import { paymentMethodObject, paymentObject } from './billing-objects.ts';

/** A payment as billing's API shows it, with its receipt and its invoice once it succeeded. */
export async function paymentWithReceipt(services: BillingServices, attempt: PaymentAttempt) {
  if (attempt.status !== 'succeeded') return paymentObject(attempt);
  const [receipt, invoice] = await Promise.all([receiptForAttempt(services.deps.db, attempt.id), invoiceForAttempt(services.deps.db, attempt.id)]);
  return paymentObject(attempt, receipt, invoice);
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

/** The Idempotency-Key a client sent to make a payment's retries safe, or null; 400 when it is not 1 to 255 characters. */
export function paymentClientKey(headers: IncomingHttpHeaders): string | null {
  const clientKey = headers['idempotency-key'];
  if (clientKey !== undefined && (typeof clientKey !== 'string' || clientKey.length === 0 || clientKey.length > 255)) {
    throw new BillingError('parameter_invalid', 'Idempotency-Key is 1 to 255 characters.', { param: 'Idempotency-Key' });
  }
  return clientKey ?? null;
}

/**
 * What adding a card came to: 201 the card; 202 still processing, or
 * `requires_action` with the bank's challenge page (`next_action`, as
 * Stripe's redirect_to_url) when 3-D Secure is asked for; 402 declined.
 */
export async function addCardAnswer(services: BillingServices, result: AddCardResult, reply: { status(code: number): unknown }) {
  if (result.status === 'added') {
    reply.status(201);
    return paymentMethodObject(result.paymentMethod, services.deps.clock.nowMs());
  }
  if (result.status !== 'requires_action') return paymentAnswer(services, result.attempt, reply);
  reply.status(202);
  return {
    ...paymentObject(result.attempt),
    status: 'requires_action',
    next_action: { type: 'redirect_to_url', redirect_to_url: { url: result.redirectToUrl, return_url: result.attempt.returnUrl } },
  };
}
