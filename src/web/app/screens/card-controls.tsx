import { useState } from 'preact/hooks';
import { call, newIdempotencyKey } from '../api.ts';
import { useApp } from '../context.ts';
import { money, parseAmount } from '../format.ts';
import type { MessageKey } from '../i18n.ts';
import type { Card } from '../types.ts';
import { Message, Section, useAction } from '../ui.tsx';

/**
 * Editing a card's controls (PATCH /issuer/v1/cards/{id}/controls): the
 * per-payment, day and month limits, the merchant categories and countries
 * that are blocked, and the accounts-per-merchant rule. The issuer checks
 * everything again and explains a refusal in the reader's language; the
 * form only catches what it can see is malformed before asking.
 */

/** Categories people most often block, offered as boxes to tick; any other MCC can be typed. */
const COMMON_MCCS: ReadonlyArray<{ readonly code: string; readonly key: MessageKey }> = [
  { code: '7995', key: 'mcc_7995' },
  { code: '6051', key: 'mcc_6051' },
  { code: '4829', key: 'mcc_4829' },
  { code: '5967', key: 'mcc_5967' },
  { code: '5816', key: 'mcc_5816' },
];

/** USD cents as the dollars a person would type ("" for none). */
function dollars(cents: number | null): string {
  return cents === null ? '' : money(cents, 'USD').slice(1).replace(/,/g, '');
}

/** "a, b  c" → ["A", "B", "C"]: separated by commas (either width) or spaces. */
function codes(text: string): string[] {
  return text
    .split(/[\s,，、]+/)
    .map((code) => code.trim().toUpperCase())
    .filter((code) => code !== '');
}

export function ControlsPanel(props: { readonly card: Card; readonly onSaved: (card: Card) => void }) {
  const { t } = useApp();
  const { card } = props;
  const controls = card.controls;
  const limits = controls.spending_limits;
  const [perTx, setPerTx] = useState(dollars(limits.per_transaction));
  const [perDay, setPerDay] = useState(dollars(limits.per_day));
  const [perMonth, setPerMonth] = useState(dollars(limits.per_month));
  const common = new Set(COMMON_MCCS.map((m) => m.code));
  const [blocked, setBlocked] = useState<ReadonlySet<string>>(new Set(controls.mcc_block.filter((code) => common.has(code))));
  const [otherMccs, setOtherMccs] = useState(controls.mcc_block.filter((code) => !common.has(code)).join(', '));
  const [countries, setCountries] = useState(controls.country_block.join(', '));
  const [maxAccounts, setMaxAccounts] = useState(String(controls.max_accounts_per_merchant));
  const [saved, setSaved] = useState<string | null>(null);
  const action = useAction();
  const closed = card.status === 'closed';

  const save = (event: Event) => {
    event.preventDefault();
    setSaved(null);
    const limit = (text: string): number | null | 'bad' => (text.trim() === '' ? null : parseAmount(text) ?? 'bad');
    const spending = { per_transaction: limit(perTx), per_day: limit(perDay), per_month: limit(perMonth) };
    if (Object.values(spending).includes('bad')) return action.setError(t('amountInvalid'));
    const typedMccs = codes(otherMccs);
    if (typedMccs.some((code) => !/^\d{4}$/.test(code))) return action.setError(t('mccInvalid'));
    const countryCodes = codes(countries);
    if (countryCodes.some((code) => !/^[A-Z]{2}$/.test(code))) return action.setError(t('countryInvalid'));
    const accounts = Number(maxAccounts.trim());
    if (!/^\d{1,2}$/.test(maxAccounts.trim()) || accounts < 1 || accounts > 20) return action.setError(t('maxAccountsInvalid'));
    void action.run(async () => {
      const updated = await call<Card>('PATCH', `/issuer/v1/cards/${encodeURIComponent(card.id)}/controls`, {
        body: {
          spending_limits: spending,
          mcc_block: [...new Set([...blocked, ...typedMccs])],
          country_block: [...new Set(countryCodes)],
          max_accounts_per_merchant: accounts,
        },
        idempotencyKey: newIdempotencyKey(),
      });
      props.onSaved(updated);
      setSaved(t('controlsSaved'));
    });
  };

  const toggle = (code: string, on: boolean) => {
    const next = new Set(blocked);
    if (on) next.add(code);
    else next.delete(code);
    setBlocked(next);
  };

  return (
    <Section title={t('controlsTitle')} id="controls">
      <p class="note">{t('controlsLead')}</p>
      <form id="controls-form" onSubmit={save} novalidate>
        <fieldset disabled={closed}>
          <div class="limits">
            <label for="limit-tx">{t('limitPerTx')}</label>
            <input id="limit-tx" inputMode="decimal" maxLength={12} placeholder={t('noLimit')} value={perTx} onInput={(e) => setPerTx(e.currentTarget.value)} />
            <label for="limit-day">{t('limitPerDay')}</label>
            <input id="limit-day" inputMode="decimal" maxLength={12} placeholder={t('noLimit')} value={perDay} onInput={(e) => setPerDay(e.currentTarget.value)} />
            <label for="limit-month">{t('limitPerMonth')}</label>
            <input id="limit-month" inputMode="decimal" maxLength={12} placeholder={t('noLimit')} value={perMonth} onInput={(e) => setPerMonth(e.currentTarget.value)} />
          </div>
          <p class="note">{t('limitEmptyHint')}</p>
          <fieldset class="mccs" id="blocked-categories">
            <legend>{t('blockedCategories')}</legend>
            {COMMON_MCCS.map((m) => (
              <label key={m.code} class="check">
                <input type="checkbox" id={`mcc-${m.code}`} checked={blocked.has(m.code)} onChange={(e) => toggle(m.code, e.currentTarget.checked)} />
                {t(m.key)} <span class="note">MCC {m.code}</span>
              </label>
            ))}
          </fieldset>
          <label for="mcc-other">{t('otherMccs')}</label>
          <input id="mcc-other" maxLength={200} placeholder="5993, 7273" value={otherMccs} onInput={(e) => setOtherMccs(e.currentTarget.value)} />
          <label for="country-block">{t('blockedCountries')}</label>
          <input id="country-block" maxLength={200} autoCapitalize="characters" placeholder="RU, KP" value={countries} onInput={(e) => setCountries(e.currentTarget.value)} />
          <label for="max-accounts">{t('maxAccountsLabel')}</label>
          <input id="max-accounts" inputMode="numeric" maxLength={2} value={maxAccounts} onInput={(e) => setMaxAccounts(e.currentTarget.value)} />
          <button type="submit" class="primary" id="controls-save" disabled={action.busy}>
            {t('saveControls')}
          </button>
        </fieldset>
      </form>
      <Message id="controls-message" text={saved} kind="ok" />
      <Message id="controls-error" text={action.error} kind="error" />
    </Section>
  );
}
