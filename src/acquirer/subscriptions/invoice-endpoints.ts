import { AcquirerError, noSuchObject } from '../errors.ts';
import { requirePaymentIntent } from '../payments/payment-intent-store.ts';
import { listPage, parseListQuery, stripeList, type ListQuery } from '../stripe/list.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { collectInvoice, type CollectionDeps } from './invoice-collection.ts';
import { COLLECT_HANDOVER_MS, INVOICE_COLUMNS, invoiceObject, requireInvoice, type InvoiceRow } from './invoice-store.ts';

/**
 * Stripe's `/v1/invoices` for subscriptions' invoices: list, retrieve, and
 * `pay` — a new attempt at an open invoice (after a decline), with its
 * payment method or another of the customer's.
 */

const ID = /^[a-z]{2,8}_[0-9A-Za-z]{10,40}$/;

export function invoiceEndpoints(deps: CollectionDeps): StripeEndpoint<any>[] {
  const retrieve: StripeEndpoint<{ id: string }> = {
    method: 'GET',
    url: '/invoices/:id',
    summary: 'Retrieve an invoice',
    parse: (_p, call) => ({ id: call.path.id! }),
    run: async (input, call) => invoiceObject(deps.db, await requireInvoice(deps.db, call.merchant.id, input.id)),
  };

  const list: StripeEndpoint<{ query: ListQuery; customer: string | undefined; subscription: string | undefined; status: 'open' | 'paid' | undefined }> = {
    method: 'GET',
    url: '/invoices',
    summary: 'List invoices',
    parse: (p) => ({
      query: parseListQuery(p),
      customer: p.string('customer', { maxChars: 64, pattern: ID, what: 'not a customer id' }),
      subscription: p.string('subscription', { maxChars: 64, pattern: ID, what: 'not a subscription id' }),
      status: p.enumOf('status', ['open', 'paid'] as const),
    }),
    run: async (input, call) => {
      let where = 'merchant_id = ?';
      const params: unknown[] = [call.merchant.id];
      for (const [column, value] of [['customer_id', input.customer], ['subscription_id', input.subscription], ['status', input.status]] as const) {
        if (value === undefined) continue;
        where += ` AND ${column} = ?`;
        params.push(value);
      }
      const page = await listPage<InvoiceRow>(deps.db, { table: 'acquirer_invoices', columns: INVOICE_COLUMNS, where, params, query: input.query });
      const data = [];
      for (const row of page.rows) data.push(await invoiceObject(deps.db, row));
      return stripeList('/v1/invoices', data, page.hasMore);
    },
  };

  const pay: StripeEndpoint<{ id: string; paymentMethodId: string | undefined }> = {
    method: 'POST',
    url: '/invoices/:id/pay',
    summary: "Attempt an open invoice's payment again (off-session), with its payment method or payment_method",
    parse: (p, call) => {
      p.boolean('off_session');
      return { id: call.path.id!, paymentMethodId: p.string('payment_method', { maxChars: 64, pattern: ID, what: 'not a payment method id' }) };
    },
    run: async (input, call) => {
      const merchantId = call.merchant.id;
      const invoice = await requireInvoice(deps.db, merchantId, input.id);
      if (invoice.status !== 'open') throw new AcquirerError('invoice_unexpected_state', 'Invoice is already paid.');
      const pi = await requirePaymentIntent(deps.db, merchantId, invoice.payment_intent_id);
      if (input.paymentMethodId !== undefined) {
        const pm = await deps.db.get<{ customer_id: string | null }>('SELECT customer_id FROM acquirer_payment_methods WHERE id = ? AND merchant_id = ?', [input.paymentMethodId, merchantId]);
        if (pm === undefined) throw noSuchObject(`No such PaymentMethod: '${input.paymentMethodId}'`, 'payment_method');
        if (pm.customer_id !== invoice.customer_id) {
          throw new AcquirerError('parameter_invalid', 'The payment method must be attached to the invoice’s customer.', { param: 'payment_method' });
        }
        if (Number(invoice.collecting) !== 1) await deps.payments.update(call.merchant, pi.id, { paymentMethodId: input.paymentMethodId });
      } else if (pi.paymentMethodId === null) {
        throw new AcquirerError('parameter_missing', 'The invoice has no payment method to charge: pass payment_method, or set the customer’s default.', { param: 'payment_method' });
      }
      await deps.db.transaction(async (tx) => {
        await tx.run('UPDATE acquirer_invoices SET collecting = 1, collect_after_ms = ? WHERE id = ? AND merchant_id = ? AND status = ? AND collecting = 0', [
          call.nowMs + COLLECT_HANDOVER_MS, invoice.id, merchantId, 'open',
        ]);
      });
      await collectInvoice(deps, merchantId, invoice.id);
      const after = await requireInvoice(deps.db, merchantId, invoice.id);
      if (after.status === 'paid') return invoiceObject(deps.db, after);
      // As Stripe answers a declined invoice payment: the card error.
      const failed = await requirePaymentIntent(deps.db, merchantId, after.payment_intent_id);
      const error = failed.lastPaymentError as { code?: string; decline_code?: string; message?: string } | null;
      throw new AcquirerError('card_declined', error?.message ?? 'Your card was declined.', { declineCode: error?.decline_code ?? 'generic_decline' });
    },
  };

  return [list, retrieve, pay];
}
