import { useState } from 'preact/hooks';
import { call } from '../api.ts';
import { useApp } from '../context.ts';
import { dateTime } from '../format.ts';
import type { BoundMerchants, Card } from '../types.ts';
import { Section, usePolling } from '../ui.tsx';

const MERCHANTS_POLL_MS = 15_000;

/**
 * The merchants bound to the card (GET /issuer/v1/cards/{id}/merchants) and
 * the accounts-per-merchant rule ("4 accounts" by default): a merchant may
 * use one card for that many of its customer accounts, the next is declined
 * — the issuer's guard against one card being shared by many accounts.
 */
export function MerchantsPanel(props: { readonly card: Card }) {
  const { t, lang } = useApp();
  const [bound, setBound] = useState<BoundMerchants | null>(null);
  const path = `/issuer/v1/cards/${encodeURIComponent(props.card.id)}/merchants`;
  usePolling(async () => setBound(await call<BoundMerchants>('GET', path)), MERCHANTS_POLL_MS, true);
  const max = bound?.max_accounts_per_merchant ?? props.card.controls.max_accounts_per_merchant;
  return (
    <Section title={t('merchantsTitle')} id="merchants">
      <p class="note" id="merchants-rule">
        {t('merchantsRule', { n: max })}
      </p>
      {bound === null ? <p>{t('loading')}</p> : null}
      {bound !== null && bound.data.length === 0 ? (
        <p class="note" id="merchants-none">
          {t('merchantsNone')}
        </p>
      ) : null}
      <ul class="merchant-list" id="merchant-list">
        {(bound?.data ?? []).map((m) => (
          <li key={`${m.merchant.acquirer}/${m.merchant.id}`} class={m.full ? 'full' : ''}>
            <span class="merchant-name">{m.merchant.name}</span>
            <span class="merchant-accounts">
              <meter min={0} max={max} value={m.accounts} aria-hidden="true" /> {t('merchantAccounts', { used: m.accounts, max })}
            </span>
            <span class="note">{t('merchantSince', { when: dateTime(m.first_bound_at, lang) })}</span>
            {m.full ? <span class="warn">{t('merchantFull')}</span> : null}
          </li>
        ))}
      </ul>
    </Section>
  );
}
