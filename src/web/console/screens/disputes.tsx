import { useState } from 'preact/hooks';
import { money } from '../../shared/format.ts';
import { ConfirmDialog } from '../../shared/ui.tsx';
import { api, ISSUER } from '../api.ts';
import { useConsole } from '../context.ts';
import { listPath, usePagedList } from '../paged-list.ts';
import { refusal, Said, useMessage } from '../said.tsx';
import { evidenceLabel, named } from '../strings.ts';
import type { Amount, DisputeItem } from '../types.ts';
import { Badge, focusById, ListFooter, Phrase, StatusFilter, Time } from '../ui.tsx';

const STATUSES = ['merchant_responded', 'opening', 'chargeback_sent', 'deciding', 'won', 'lost', 'rejected'] as const;
const show = (amount: Amount) => money(amount.amount_minor, amount.currency);
/** Statuses after which the cardholder no longer keeps the provisional credit: the issuer took it back. */
const TAKEN_BACK = new Set(['lost', 'rejected']);
const tone = (status: string) => (status === 'merchant_responded' ? 'wait' : status === 'won' ? 'good' : status === 'lost' || status === 'rejected' ? 'bad' : 'plain');

/** Disputes awaiting the operator's decision (the merchant answered with evidence): read both sides, then decide. */
export function DisputesScreen() {
  const { t, lang } = useConsole();
  const [status, setStatus] = useState('merchant_responded');
  const shown = listPath(`${ISSUER}/operator/disputes`, status, ['merchant_responded']);
  const list = usePagedList<DisputeItem>(shown.path);
  const message = useMessage();
  const [asking, setAsking] = useState<{ readonly item: DisputeItem; readonly winner: 'cardholder' | 'merchant' } | null>(null);
  const [busy, setBusy] = useState(false);

  // The decided dispute leaves the list (and its buttons with it): the keyboard goes on from the list's heading, under which the outcome is said.
  const decide = async () => {
    if (asking === null) return;
    const { item, winner } = asking;
    setBusy(true);
    const answer = await api<unknown>('POST', `${ISSUER}/operator/disputes/${encodeURIComponent(item.id)}/decide`, { winner });
    setBusy(false);
    setAsking(null);
    focusById('disputes-title');
    if (!answer.ok) return message.show('error', refusal(answer));
    message.show('ok', (t) => t(winner === 'cardholder' ? 'decidedCardholder' : 'decidedMerchant'));
    list.reload();
  };

  // Cancelled (or Escape): back to the button that asked, as a dialog should leave it.
  const cancel = () => {
    const item = asking;
    setAsking(null);
    if (item !== null) focusById(`dispute-${item.item.id}-${item.winner}`);
  };

  return (
    <section class="panel" aria-labelledby="disputes-title">
      <div class="panel-head">
        <h2 id="disputes-title" tabIndex={-1}>
          {t('disputesTitle')}
        </h2>
        <StatusFilter id="disputes-status" value={status} options={[...STATUSES.map((s) => ({ value: s, label: t(`ds_${s}`) })), { value: '', label: t('all') }]} onChange={setStatus} />
      </div>
      {shown.oldestFirst && list.items?.length !== 0 ? <p class="meta" id="disputes-order">{t('oldestFirst')}</p> : null}
      <Said id="disputes-message" shown={message.shown} t={t} lang={lang} />
      <ul id="disputes-list" class="items">
        {(list.items ?? []).map((item) => (
          <li key={item.id} data-id={item.id}>
            <div class="item-head">
              <strong id={`dispute-${item.id}-what`}>{t('disputeAt', { amount: show(item.amount), merchant: item.merchant_name ?? '', last4: item.card.last4 ?? '????' })}</strong>
              <Badge tone={tone(item.status)}>{named(t, 'ds_', item.status)}</Badge>
            </div>
            <p>
              {named(t, 'dc_', item.reason)} <span class="note mono">({item.network.scheme} {item.network.reason_code})</span>
            </p>
            <p class="meta">
              <span class="mono">{item.cardholder.phone}</span> · {t(TAKEN_BACK.has(item.status) ? 'provisionalTakenBack' : 'provisional', { amount: show(item.provisional_credit) })}
            </p>
            <h3 class="small">{t('cardholderSays')}</h3>
            <blockquote>{item.evidence || '—'}</blockquote>
            {item.merchant_evidence ? (
              <>
                <h3 class="small">{t('merchantSays')}</h3>
                <dl class="evidence">
                  {Object.entries(item.merchant_evidence).map(([name, text]) => (
                    <div key={name}>
                      <dt>{evidenceLabel(t, name)}</dt>
                      <dd>{text}</dd>
                    </div>
                  ))}
                </dl>
              </>
            ) : null}
            <p class="meta">
              {item.closed_at ? (
                <Phrase text={t('disputeClosedAt')} values={{ time: <Time iso={item.closed_at} /> }} />
              ) : (
                <Phrase text={t('respondBy')} values={{ time: <Time iso={item.merchant_respond_by} /> }} />
              )}{' '}
              · <span class="mono">{item.id}</span>
            </p>
            {item.status === 'merchant_responded' ? (
              <div class="actions">
                <button type="button" id={`dispute-${item.id}-cardholder`} data-action="cardholder" aria-describedby={`dispute-${item.id}-what`} disabled={busy} onClick={() => (message.clear(), setAsking({ item, winner: 'cardholder' }))}>
                  {t('decideCardholder')}
                </button>
                <button type="button" id={`dispute-${item.id}-merchant`} data-action="merchant" aria-describedby={`dispute-${item.id}-what`} disabled={busy} onClick={() => (message.clear(), setAsking({ item, winner: 'merchant' }))}>
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
          onCancel={cancel}
        >
          <p>{t(asking.winner === 'cardholder' ? 'confirmCardholder' : 'confirmMerchant', { amount: show(asking.winner === 'cardholder' ? asking.item.amount : asking.item.provisional_credit) })}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
