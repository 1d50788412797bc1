import { dateTime } from '../../shared/format.ts';
import { useBilling, useBillingData } from '../context.ts';
import { explanationOf, sentence } from '../messages.tsx';
import type { Lang } from '../../shared/lang.ts';
import type { CreditAdjustment, Invoice, List, Payment } from '../types.ts';
import { ADJUSTMENTS_PATH } from './credit-adjustments.tsx';
import { invoiceAdjustmentNotes } from './invoice-adjustments.ts';
import { paymentAmount } from './payment-amount.ts';
import { spendingTranslator, type SpendingT } from './spending-strings.ts';
import { SaidSpending, useSpendingMessage } from './spending-ui.tsx';
import { StackedHead } from './stacked-head.tsx';

/**
 * The payment history and the invoices. On a phone each row is a card whose cells carry their column's name
 * (`table.stacked`, billing.css): nothing squeezed to a letter a line, no button cut at the edge; from 700px
 * wide they are tables again.
 */

const KINDS = ['verification', 'purchase', 'auto_recharge', 'subscription'] as const;
const STATUSES = ['succeeded', 'failed', 'processing'] as const;
const known = <K extends string>(list: readonly K[], value: string): K | null => (list.includes(value as K) ? (value as K) : null);

export function PaymentsPanel() {
  const { t, lang } = useBilling();
  const payments = useBillingData<List<Payment>>('/payments?limit=20')?.data ?? null;
  return (
    // Focusable, so a keyboard can scroll the table sideways in a window too narrow for it (a phone shows cards).
    <div class="scroll" tabIndex={0} role="region" aria-labelledby="panel-payments-title">
      <table class="stacked" role="table">
        <StackedHead labels={[t('colDate'), t('colWhat'), t('colAmount'), t('colStatus'), t('colDetails')]} />
        <tbody id="payments-list" role="rowgroup">
          {payments !== null && payments.length === 0 ? (
            <tr role="row">
              <td role="cell" colSpan={5} class="note">
                {t('noPayments')}
              </td>
            </tr>
          ) : null}
          {(payments ?? []).map((payment) => {
            const details: string[] = [];
            if (payment.status === 'failed') details.push(sentence(explanationOf(payment, lang) ?? '', lang));
            if (payment.kind === 'verification' && payment.status === 'succeeded' && payment.amount.amount_minor > 0) details.push(t('holdReleased', { amount: payment.amount.formatted }));
            if (payment.invoice) details.push(t('invoiceRef', { number: payment.invoice.number }));
            if (payment.refunded && payment.refunded.amount_minor > 0) details.push(t('refunded', { amount: payment.refunded.formatted }));
            const kind = known(KINDS, payment.kind);
            const status = known(STATUSES, payment.status);
            return (
              <tr role="row" key={payment.id} data-payment={payment.id} data-status={payment.status}>
                <td role="cell" data-label={t('colDate')}>{dateTime(payment.created_at, lang)}</td>
                <td role="cell" data-label={t('colWhat')}>{kind ? t(`kind_${kind}`) : payment.kind}</td>
                <td role="cell" data-label={t('colAmount')} class="amount">
                  {paymentAmount(payment, t)}
                </td>
                <td role="cell" data-label={t('colStatus')} class={payment.status === 'failed' ? 'declined' : ''}>
                  {status ? t(`status_${status}`) : payment.status}
                </td>
                {details.length > 0 ? (
                  <td role="cell" data-label={t('colDetails')} class="explanation wide">
                    {details.join(' · ')}
                  </td>
                ) : (
                  <td role="cell" class="explanation wide empty" />
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The invoices (one per successful payment, renewals included) with their PDFs: this list replaced the receipts (their API stays, for other clients). */
export function InvoicesPanel() {
  const { lang } = useBilling();
  const t = spendingTranslator(lang);
  const invoices = useBillingData<List<Invoice>>('/invoices?limit=50')?.data ?? null;
  // A purchase refunded at the payment provider or disputed says so on its invoice (billing's credit adjustments name its payment).
  const adjustments = useBillingData<List<CreditAdjustment>>(ADJUSTMENTS_PATH)?.data ?? [];
  const message = useSpendingMessage();

  // The PDF is fetched with the session cookie and handed to the browser as a file (nothing is kept), so a failure is said here.
  // It comes in the reader's language, its date of issue in the reader's time zone.
  const download = async (invoice: Invoice) => {
    const query = new URLSearchParams({ lang, tz: Intl.DateTimeFormat().resolvedOptions().timeZone });
    const response = await fetch(`${invoice.pdf}?${query}`, { credentials: 'same-origin' });
    if (!response.ok) return message.show('error', (t) => t('failed', { why: `HTTP ${response.status}` }));
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = `${invoice.number}.pdf`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <>
      <SaidSpending id="invoices-message" shown={message.shown} t={t} lang={lang} />
      <div class="scroll" tabIndex={0} role="region" aria-labelledby="panel-invoices-title">
        <table class="stacked" role="table">
          <StackedHead labels={[t('colNumber'), t('colDate'), t('colTotal'), t('colTax'), t('colStatus'), t('colPdf')]} />
          <tbody id="invoices-list" role="rowgroup">
            {invoices !== null && invoices.length === 0 ? (
              <tr role="row">
                <td role="cell" colSpan={6} class="note">
                  {t('invoicesNone')}
                </td>
              </tr>
            ) : null}
            {(invoices ?? []).map((invoice) => (
              <tr role="row" key={invoice.id} data-invoice={invoice.id} data-status={invoice.status}>
                <td role="cell" data-label={t('colNumber')} class="wide">
                  {invoice.number}
                  <br />
                  <span class="note">{invoiceLine(invoice, t, lang)}</span>
                </td>
                <td role="cell" data-label={t('colDate')}>{dateTime(invoice.issued_at, lang)}</td>
                <td role="cell" data-label={t('colTotal')} class="amount">
                  {invoice.total.formatted}
                </td>
                <td role="cell" data-label={t('colTax')} class="amount">
                  {invoice.tax.formatted}
                </td>
                <td role="cell" data-label={t('colStatus')}>
                  {invoice.status === 'partially_refunded' ? t('invoice_partially_refunded', { amount: invoice.amount_refunded.formatted }) : t(invoice.status === 'refunded' ? 'invoice_refunded' : 'invoice_paid')}
                  {invoiceAdjustmentNotes(invoice.payment, adjustments, t).map((note) => (
                    <span key={note.kind} class={`invoice-note ${note.kind === 'dispute_won' ? 'credit-in' : 'credit-out'}`} data-note={note.kind}>
                      {note.text}
                    </span>
                  ))}
                </td>
                <td role="cell" class="wide">
                  <button type="button" data-action="download-invoice" aria-label={t('downloadLabel', { number: invoice.number })} onClick={() => void download(invoice)}>
                    {t('download')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

const LINE_KINDS = ['purchase', 'auto_recharge'] as const;

/**
 * What the invoice billed, in the reader's words: a subscription's plan and the period it paid (the reader's calendar
 * days), or the kind of payment. The English words it was issued with are shown only for what this page cannot word —
 * a kind it does not know, or a subscription invoiced before its period was kept (those words name the period).
 */
function invoiceLine(invoice: Invoice, t: SpendingT, lang: Lang): string {
  const { plan, period, kind } = invoice.line;
  if (plan !== null && period !== null) return t('line_subscription', { plan, start: day(period.start, lang), end: day(period.end, lang) });
  const known = LINE_KINDS.find((k) => k === kind);
  return known ? t(`line_${known}`) : invoice.description;
}

/** A calendar day in the reader's time zone: 2025年3月1日 / Mar 1, 2025. */
function day(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(Date.parse(iso));
}
