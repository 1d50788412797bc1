import { $, el } from './dom.ts';
import { sentence, t, when } from './i18n.ts';
import { explanationOf } from './messages.ts';
import { state } from './state.ts';

/** The payment history and receipts tables. */

export function paintPayments(): void {
  const body = $('payments-list');
  body.replaceChildren();
  if (state.payments.length === 0) body.append(el('tr', {}, el('td', { colspan: '5', className: 'note' }, t('noPayments'))));
  for (const payment of state.payments) {
    const details: string[] = [];
    if (payment.status === 'failed') details.push(sentence(explanationOf(payment) || ''));
    if (payment.kind === 'verification' && payment.status === 'succeeded' && payment.amount.amount_minor > 0) details.push(t('holdReleased', { amount: payment.amount.formatted }));
    if (payment.receipt) details.push(t('receiptRef', { number: payment.receipt.number }));
    if (payment.refunded && payment.refunded.amount_minor > 0) details.push(t('refunded', { amount: payment.refunded.formatted }));
    body.append(
      el(
        'tr',
        { dataset: { payment: payment.id, status: payment.status } },
        el('td', {}, when(payment.created_at)),
        el('td', {}, t(`kind_${payment.kind}`)),
        el('td', { className: 'amount' }, payment.amount.formatted),
        el('td', { className: payment.status === 'failed' ? 'declined' : '' }, t(`status_${payment.status}`)),
        el('td', { className: 'explanation' }, details.join(' · ')),
      ),
    );
  }
}

export function paintReceipts(): void {
  const body = $('receipts-list');
  body.replaceChildren();
  if (state.receipts.length === 0) body.append(el('tr', {}, el('td', { colspan: '5', className: 'note' }, t('noReceipts'))));
  for (const receipt of state.receipts) {
    body.append(
      el(
        'tr',
        { dataset: { receipt: receipt.id } },
        el('td', {}, receipt.number),
        el('td', {}, when(receipt.paid_at)),
        el('td', {}, receipt.description),
        el('td', {}, receipt.card),
        el('td', { className: 'amount' }, receipt.amount.formatted),
      ),
    );
  }
}
