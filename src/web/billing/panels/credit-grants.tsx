import { dateTime } from '../../shared/format.ts';
import { useBilling, useBillingData } from '../context.ts';
import type { Amount } from '../types.ts';
import { spendingTranslator } from './spending-strings.ts';
import { StackedHead } from './stacked-head.tsx';

interface CreditGrant {
  readonly id: string;
  readonly status: 'active' | 'used' | 'expired' | 'expiring';
  readonly granted: Amount;
  readonly remaining: Amount;
  readonly expired: Amount;
  readonly granted_at: string;
  readonly expires_at: string | null;
}

const STATUSES = ['active', 'used', 'expired', 'expiring'] as const;

/** What expires when: each grant (purchase, recharge) with what is left of it and its expiry, in the reader's time. */
export function CreditGrantsPanel() {
  const { lang } = useBilling();
  const t = spendingTranslator(lang);
  const grants = useBillingData<{ data: CreditGrant[] }>('/credit_grants?limit=50')?.data ?? null;
  return (
    <>
      <p class="note">{t('grantsNote')}</p>
      <div class="scroll" tabIndex={0} role="region" aria-labelledby="panel-credit-grants-title">
        {/* On a phone each grant is a card (table.stacked, billing.css), as in the payment history. */}
        <table id="credit-grants-list" class="stacked" role="table">
          <StackedHead labels={[t('colGranted'), t('colGrant'), t('colLeft'), t('colExpires'), t('colStatus')]} />
          <tbody role="rowgroup">
            {grants !== null && grants.length === 0 ? (
              <tr role="row">
                <td role="cell" colSpan={5} class="note">
                  {t('grantsNone')}
                </td>
              </tr>
            ) : null}
            {(grants ?? []).map((grant) => (
              <tr role="row" key={grant.id} data-grant={grant.id} data-status={grant.status} data-remaining-cents={grant.remaining.amount_minor}>
                <td role="cell" data-label={t('colGranted')}>{dateTime(grant.granted_at, lang)}</td>
                <td role="cell" data-label={t('colGrant')} class="amount">
                  {grant.granted.formatted}
                </td>
                <td role="cell" data-label={t('colLeft')} class="amount">
                  {grant.remaining.formatted}
                </td>
                <td role="cell" data-label={t('colExpires')}>{grant.expires_at === null ? t('never') : dateTime(grant.expires_at, lang)}</td>
                <td role="cell" data-label={t('colStatus')}>{STATUSES.includes(grant.status) ? t(`grant_${grant.status}`) : grant.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
