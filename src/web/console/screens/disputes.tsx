import { useState } from 'preact/hooks';
import { money } from '../../shared/format.ts';
import { ConfirmDialog } from '../../shared/ui.tsx';
import { api, ISSUER } from '../api.ts';
import { useConsole } from '../context.ts';
import { usePagedList } from '../paged-list.ts';
import { refusal, Said, useMessage } from '../said.tsx';
import { named } from '../strings.ts';
import type { Amount, DisputeItem } from '../types.ts';
import { Badge, ListFooter, Phrase, StatusFilter, Time } from '../ui.tsx';

const STATUSES = ['merchant_responded', 'opening', 'chargeback_sent', 'deciding', 'won', 'lost', 'rejected'] as const;
const show = (amount: Amount) => money(amount.amount_minor, amount.currency);
const tone = (status: string) => (status === 'merchant_responded' ? 'wait' : status === 'won' ? 'good' : status === 'lost' || status === 'rejected' ? 'bad' : 'plain');

/** Disputes awaiting the operator's decision (the merchant answered with evidence): read both sides, then decide. */
export function DisputesScreen() {
  const { t, lang } = useConsole();
  const [status, setStatus] = useState('merchant_responded');
  const list = usePagedList<DisputeItem>(`${ISSUER}/operator/disputes?limit=20${status === '' ? '' : `&status=${status}`}`);
  const message = useMessage();
  const [asking, setAsking] = useState<{ readonly item: DisputeItem; readonly winner: 'cardholder' | 'merchant' } | null>(null);
  const [busy, setBusy] = useState(false);

  const decide = async () => {
    if (asking === null) return;
    const { item, winner } = asking;
    setBusy(true);
    const answer = await api<unknown>('POST', `${ISSUER}/operator/disputes/${encodeURIComponent(item.id)}/decide`, { winner });
    setBusy(false);
    setAsking(null);
    if (!answer.ok) return message.show('error', refusal(answer));
    message.show('ok', (t) => t(winner === 'cardholder' ? 'decidedCardholder' : 'decidedMerchant'));
    list.reload();
  };

  return (
    <section class="panel" aria-labelledby="disputes-title">
      <div class="panel-head">
        <h2 id="disputes-title">{t('disputesTitle')}</h2>
        <StatusFilter id="disputes-status" value={status} options={[...STATUSES.map((s) => ({ value: s, label: t(`ds_${s}`) })), { value: '', label: t('all') }]} onChange={setStatus} />
      </div>
      <Said id="disputes-message" shown={message.shown} t={t} lang={lang} />
      <ul id="disputes-list" class="items">
        {(list.items ?? []).map((item) => (
          <li key={item.id} data-id={item.id}>
            <div class="item-head">
              <strong>{t('disputeAt', { amount: show(item.amount), merchant: item.merchant_name ?? '', last4: item.card.last4 ?? '????' })}</strong>
              <Badge tone={tone(item.status)}>{named(t, 'ds_', item.status)}</Badge>
            </div>
            <p>
              {named(t, 'dc_', item.reason)} <span class="note mono">({item.network.scheme} {item.network.reason_code})</span>
            </p>
            <p class="meta">
              <span class="mono">{item.cardholder.phone}</span> · {t('provisional', { amount: show(item.provisional_credit) })}
            </p>
            <h3 class="small">{t('cardholderSays')}</h3>
            <blockquote>{item.evidence || '—'}</blockquote>
            {item.merchant_evidence ? (
              <>
                <h3 class="small">{t('merchantSays')}</h3>
                <dl class="evidence">
                  {Object.entries(item.merchant_evidence).map(([name, text]) => (
                    <div key={name}>
                      <dt class="mono">{name}</dt>
                      <dd>{text}</dd>
                    </div>
                  ))}
                </dl>
              </>
            ) : null}
            <p class="meta">
              <Phrase text={t('respondBy')} values={{ time: <Time iso={item.merchant_respond_by} /> }} /> · <span class="mono">{item.id}</span>
            </p>
            {item.status === 'merchant_responded' ? (
              <div class="actions">
                <button type="button" data-action="cardholder" disabled={busy} onClick={() => (message.clear(), setAsking({ item, winner: 'cardholder' }))}>
                  {t('decideCardholder')}
                </button>
                <button type="button" data-action="merchant" disabled={busy} onClick={() => (message.clear(), setAsking({ item, winner: 'merchant' }))}>
                  {t('decideMerchant')}
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      <ListFooter id="disputes" empty={list.items?.length === 0} emptyText={t('disputesEmpty')} hasMore={list.hasMore} busy={list.busy} failed={list.failed} onMore={list.more} />
      {asking ? (
        <ConfirmDialog
          id="decide-dialog"
          title={t('confirmTitle')}
          confirmLabel={t('decideConfirm')}
          cancelLabel={t('cancel')}
          busy={busy}
          danger={asking.winner === 'merchant'}
          onConfirm={() => void decide()}
          onCancel={() => setAsking(null)}
        >
          <p>{t(asking.winner === 'cardholder' ? 'confirmCardholder' : 'confirmMerchant', { amount: show(asking.winner === 'cardholder' ? asking.item.amount : asking.item.provisional_credit) })}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
