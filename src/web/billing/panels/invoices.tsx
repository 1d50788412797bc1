import { useRef } from 'preact/hooks';
import { dateTime } from '../../shared/format.ts';
import { api, sessionToken } from '../api.ts';
import { useBilling, useBillingData } from '../context.ts';
import { onSubmit, useBusy, valueOf } from '../form.ts';
import type { Amount } from '../types.ts';
import { spendingTranslator } from './spending-strings.ts';
import { failure, SaidSpending, useSpendingMessage } from './spending-ui.tsx';

interface Profile {
  readonly name: string | null;
  readonly address_line1: string | null;
  readonly address_line2: string | null;
  readonly city: string | null;
  readonly postal_code: string | null;
  readonly country: string | null;
  readonly tax_id: string | null;
  readonly tax_rate_bps: number;
}

interface Invoice {
  readonly id: string;
  readonly number: string;
  readonly description: string;
  readonly total: Amount;
  readonly tax: Amount;
  readonly issued_at: string;
  readonly pdf: string;
}

const FIELDS = [
  ['name', 'profileName', 200, true],
  ['address_line1', 'profileLine1', 200, true],
  ['address_line2', 'profileLine2', 200, false],
  ['city', 'profileCity', 100, true],
  ['postal_code', 'profilePostal', 12, false],
  ['country', 'profileCountry', 2, true],
  ['tax_id', 'profileTaxId', 32, false],
] as const;

/** The billing details invoices are made out to (an owner edits them), and every payment's invoice with its PDF. */
export function InvoicesPanel() {
  const { lang, canChange, refresh } = useBilling();
  const t = spendingTranslator(lang);
  const profile = useBillingData<Profile>('/billing_profile');
  const invoices = useBillingData<{ data: Invoice[] }>('/invoices?limit=50')?.data ?? null;
  const refs = { name: useRef<HTMLInputElement>(null), address_line1: useRef<HTMLInputElement>(null), address_line2: useRef<HTMLInputElement>(null), city: useRef<HTMLInputElement>(null), postal_code: useRef<HTMLInputElement>(null), country: useRef<HTMLInputElement>(null), tax_id: useRef<HTMLInputElement>(null) };
  const message = useSpendingMessage();
  const { busy, run } = useBusy();

  const save = () =>
    void run(async () => {
      const body: Record<string, string | null> = {};
      for (const [field, , , required] of FIELDS) {
        const value = valueOf(refs[field]).trim();
        body[field] = value === '' && !required ? null : value;
      }
      const answer = await api<Profile>('POST', '/billing_profile', body);
      if (answer.ok) {
        const name = answer.body.name ?? '';
        message.show('ok', (t) => t('profileSaved', { name }));
      } else message.show('error', failure(answer));
      refresh();
    });

  // The PDF needs the session's token, so it is fetched and handed to the browser as a file (nothing is kept).
  const download = async (invoice: Invoice) => {
    const token = sessionToken();
    const response = await fetch(invoice.pdf, { headers: token ? { authorization: `Bearer ${token}` } : {} });
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
      {profile !== null ? (
        <form id="billing-profile-form" noValidate onSubmit={onSubmit(save)}>
          {FIELDS.map(([field, label, max, required]) => (
            <p key={field}>
              <label for={`profile-${field}`}>{t(label)}</label>
              <input id={`profile-${field}`} ref={refs[field]} maxLength={max} required={required} readOnly={!canChange} defaultValue={profile[field] ?? ''} autoComplete={field === 'country' ? 'country' : 'off'} />
            </p>
          ))}
          {canChange ? (
            <button type="submit" id="profile-save" class="primary" disabled={busy}>
              {t('profileSave')}
            </button>
          ) : null}
          <p class="note" id="profile-tax">
            {t('profileTax', { rate: (profile.tax_rate_bps / 100).toFixed(2) })}
          </p>
        </form>
      ) : null}
      <SaidSpending id="profile-message" shown={message.shown} t={t} lang={lang} />
      <div class="scroll" tabIndex={0} role="region" aria-labelledby="panel-invoices-title">
        <table id="invoices-list">
          <thead>
            <tr>
              <th scope="col">{t('colNumber')}</th>
              <th scope="col">{t('colDate')}</th>
              <th scope="col">{t('colTotal')}</th>
              <th scope="col">{t('colTax')}</th>
              <th scope="col">{t('colPdf')}</th>
            </tr>
          </thead>
          <tbody>
            {invoices !== null && invoices.length === 0 ? (
              <tr>
                <td colSpan={5} class="note">
                  {t('invoicesNone')}
                </td>
              </tr>
            ) : null}
            {(invoices ?? []).map((invoice) => (
              <tr key={invoice.id} data-invoice={invoice.id}>
                <td>
                  {invoice.number}
                  <br />
                  <span class="note">{invoice.description}</span>
                </td>
                <td>{dateTime(invoice.issued_at, lang)}</td>
                <td class="amount">{invoice.total.formatted}</td>
                <td class="amount">{invoice.tax.formatted}</td>
                <td>
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
