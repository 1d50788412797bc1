import { useRef } from 'preact/hooks';
import { api } from '../api.ts';
import { useBilling, useBillingData } from '../context.ts';
import { onSubmit, useBusy, valueOf } from '../form.ts';
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

const FIELDS = [
  ['name', 'profileName', 200, true],
  ['address_line1', 'profileLine1', 200, true],
  ['address_line2', 'profileLine2', 200, false],
  ['city', 'profileCity', 100, true],
  ['postal_code', 'profilePostal', 12, false],
  ['country', 'profileCountry', 2, true],
  ['tax_id', 'profileTaxId', 32, false],
] as const;

/** The billing details invoices are made out to: an owner edits them; a member reads them. The invoices themselves are in history.tsx. */
export function BillingProfilePanel() {
  const { lang, canChange, refresh } = useBilling();
  const t = spendingTranslator(lang);
  const profile = useBillingData<Profile>('/billing_profile');
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
    </>
  );
}
