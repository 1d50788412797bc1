import { dateTime, money } from '../../shared/format.ts';
import type { Lang } from '../../shared/lang.ts';
import { useBilling, useBillingData } from '../context.ts';
import type { StringKey, T } from '../strings.ts';
import type { CreditAdjustment, Invoice, List } from '../types.ts';
import { StackedHead } from './stacked-head.tsx';

/**
 * Why the balance changed without a purchase or usage: credits a refund made at the payment provider or a
 * chargeback took back (as debt when they were spent), and credits a dispute decided for the merchant, or a refund
 * that failed at the provider (the money stayed with the merchant), gave back.
 * Each says when (the reader's time), by how much, what happened in the reader's words (worded here from the data:
 * the API's own sentence names raw ids) and which purchase — by its invoice, the document a customer keeps.
 */

const KINDS = ['provider_refund', 'dispute_withdrawn', 'dispute_reinstated', 'provider_refund_failed'] as const;
type Kind = (typeof KINDS)[number];
const PAYMENT_KINDS = ['purchase', 'auto_recharge', 'subscription'] as const;
/** As many as the API gives in one answer: the panel lists them all, the invoices panel reads the same list. */
export const ADJUSTMENTS_PATH = '/credit_adjustments?limit=100';

export function CreditAdjustmentsPanel() {
  const { t, lang } = useBilling();
  const adjustments = useBillingData<List<CreditAdjustment>>(ADJUSTMENTS_PATH)?.data ?? null;
  const invoices = useBillingData<List<Invoice>>('/invoices?limit=100')?.data ?? [];
  const invoiceOf = (payment: string) => invoices.find((invoice) => invoice.payment === payment) ?? null;
  return (
    <>
      <p class="note">{t('adjNote')}</p>
      <div class="scroll" tabIndex={0} role="region" aria-labelledby="panel-credit-adjustments-title">
        {/* On a phone each adjustment is a card (table.stacked, billing.css), as in the payment history. */}
        <table id="credit-adjustments-list" class="stacked" role="table">
          <StackedHead labels={[t('colDate'), t('colAmount'), t('adjColWhat'), t('adjColPurchase')]} />
          <tbody role="rowgroup">
            {adjustments !== null && adjustments.length === 0 ? (
              <tr role="row">
                <td role="cell" colSpan={4} class="note" id="credit-adjustments-empty">
                  {t('adjNone')}
                </td>
              </tr>
            ) : null}
            {(adjustments ?? []).map((adjustment) => (
              <tr role="row" key={adjustment.id} data-adjustment={adjustment.id} data-kind={adjustment.kind} data-payment={adjustment.payment}>
                <td role="cell" data-label={t('colDate')}>{dateTime(adjustment.created_at, lang)}</td>
                <td role="cell" data-label={t('colAmount')} class={`amount ${restores(adjustment) ? 'credit-in' : 'credit-out'}`}>
                  {signedAmount(adjustment)}
                </td>
                <td role="cell" data-label={t('adjColWhat')} class="wide">
                  {whatHappened(adjustment, t, lang)}
                </td>
                <td role="cell" data-label={t('adjColPurchase')} class="wide">
                  {purchaseOf(adjustment, invoiceOf(adjustment.payment), t, lang)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

const known = (kind: string): Kind | null => KINDS.find((k) => k === kind) ?? null;
const restores = (adjustment: CreditAdjustment) => adjustment.kind === 'dispute_reinstated' || adjustment.kind === 'provider_refund_failed';

/** "-$20.00" taken, "+$25.00" given back: the change to the balance, debt included (debt is balance below zero). */
function signedAmount(adjustment: CreditAdjustment): string {
  const { amount_minor, currency } = adjustment.amount;
  return restores(adjustment) ? `+${money(amount_minor, currency)}` : money(-amount_minor, currency);
}

/** The page's own sentence for a kind it knows; the API's, in the reader's language, for one it does not. */
function whatHappened(adjustment: CreditAdjustment, t: T, lang: Lang): string {
  const kind = known(adjustment.kind);
  if (kind === null) return lang === 'en' ? adjustment.description.en : adjustment.description['zh-CN'] || adjustment.description.en;
  const said = t(`adj_${kind}`, { amount: adjustment.amount.formatted });
  return adjustment.debt.amount_minor > 0 && !restores(adjustment) ? said + t('adjDebt', { debt: adjustment.debt.formatted }) : said;
}

/** The purchase by its invoice (number, what, total, day in the reader's zone); the payment's id only if its invoice is not in the list. */
function purchaseOf(adjustment: CreditAdjustment, invoice: Invoice | null, t: T, lang: Lang): string {
  if (invoice === null) return t('adjPayment', { id: adjustment.payment });
  const kind = PAYMENT_KINDS.find((k) => k === invoice.line.kind);
  const what = kind ? t(`kind_${kind}` as StringKey) : invoice.description;
  const date = new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(Date.parse(invoice.issued_at));
  return t('adjPurchase', { number: invoice.number, what, total: invoice.total.formatted, date });
}
