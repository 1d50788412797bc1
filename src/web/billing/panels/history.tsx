import { dateTime } from '../../shared/format.ts';
import { useBilling, useBillingData } from '../context.ts';
import { explanationOf, sentence } from '../messages.tsx';
import type { List, Payment, Receipt } from '../types.ts';

/** The payment history and the receipts: tables that scroll sideways on a phone rather than squeeze. */

const KINDS = ['verification', 'purchase', 'auto_recharge', 'subscription'] as const;
const STATUSES = ['succeeded', 'failed', 'processing'] as const;
const known = <K extends string>(list: readonly K[], value: string): K | null => (list.includes(value as K) ? (value as K) : null);

export function PaymentsPanel() {
  const { t, lang } = useBilling();
  const payments = useBillingData<List<Payment>>('/payments?limit=20')?.data ?? null;
  return (
    // Focusable, so a keyboard can scroll the table sideways on a phone.
    <div class="scroll" tabIndex={0} role="region" aria-labelledby="panel-payments-title">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('colDate')}</th>
            <th scope="col">{t('colWhat')}</th>
            <th scope="col">{t('colAmount')}</th>
            <th scope="col">{t('colStatus')}</th>
            <th scope="col">{t('colDetails')}</th>
          </tr>
        </thead>
        <tbody id="payments-list">
          {payments !== null && payments.length === 0 ? (
            <tr>
              <td colSpan={5} class="note">
                {t('noPayments')}
              </td>
            </tr>
          ) : null}
          {(payments ?? []).map((payment) => {
            const details: string[] = [];
            if (payment.status === 'failed') details.push(sentence(explanationOf(payment, lang) ?? '', lang));
            if (payment.kind === 'verification' && payment.status === 'succeeded' && payment.amount.amount_minor > 0) details.push(t('holdReleased', { amount: payment.amount.formatted }));
            if (payment.receipt) details.push(t('receiptRef', { number: payment.receipt.number }));
            if (payment.refunded && payment.refunded.amount_minor > 0) details.push(t('refunded', { amount: payment.refunded.formatted }));
            const kind = known(KINDS, payment.kind);
            const status = known(STATUSES, payment.status);
            return (
              <tr key={payment.id} data-payment={payment.id} data-status={payment.status}>
                <td>{dateTime(payment.created_at, lang)}</td>
                <td>{kind ? t(`kind_${kind}`) : payment.kind}</td>
                <td class="amount">{payment.amount.formatted}</td>
                <td class={payment.status === 'failed' ? 'declined' : ''}>{status ? t(`status_${status}`) : payment.status}</td>
                <td class="explanation">{details.join(' · ')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function ReceiptsPanel() {
  const { t, lang } = useBilling();
  const receipts = useBillingData<List<Receipt>>('/receipts?limit=20')?.data ?? null;
  return (
    <div class="scroll" tabIndex={0} role="region" aria-labelledby="panel-receipts-title">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('colNumber')}</th>
            <th scope="col">{t('colDate')}</th>
            <th scope="col">{t('colDescription')}</th>
            <th scope="col">{t('colCard')}</th>
            <th scope="col">{t('colAmount')}</th>
          </tr>
        </thead>
        <tbody id="receipts-list">
          {receipts !== null && receipts.length === 0 ? (
            <tr>
              <td colSpan={5} class="note">
                {t('noReceipts')}
              </td>
            </tr>
          ) : null}
          {(receipts ?? []).map((receipt) => (
            <tr key={receipt.id} data-receipt={receipt.id}>
              <td>{receipt.number}</td>
              <td>{dateTime(receipt.paid_at, lang)}</td>
              <td>{receipt.description}</td>
              <td>{receipt.card}</td>
              <td class="amount">{receipt.amount.formatted}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
