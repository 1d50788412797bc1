import { useState } from 'preact/hooks';
import { money } from '../../shared/format.ts';
import { api, ISSUER } from '../api.ts';
import { useConsole } from '../context.ts';
import { listPath, usePagedList } from '../paged-list.ts';
import { refusal, Said, useMessage } from '../said.tsx';
import { named } from '../strings.ts';
import type { Amount, TopUpItem, WithdrawalItem } from '../types.ts';
import { Badge, focusById, ListFooter, Phrase, StatusFilter, Time } from '../ui.tsx';

const TOP_UP_STATUSES = ['created', 'paid', 'credited', 'expired', 'closed', 'failed', 'refund_pending', 'refunded'] as const;
const WITHDRAWAL_STATUSES = ['pending', 'paid', 'failed'] as const;
const SANDBOX_ACTIONS = ['pay', 'fail', 'close'] as const;

const show = (amount: Amount) => money(amount.amount_minor, amount.currency);
const topUpTone = (status: string) => (status === 'credited' ? 'good' : status === 'created' || status === 'paid' || status === 'refund_pending' ? 'wait' : status === 'failed' ? 'bad' : 'plain');
const withdrawalTone = (status: string) => (status === 'paid' ? 'good' : status === 'pending' ? 'wait' : 'bad');

/** Top-ups and payouts: every Alipay top-up order and withdrawal with its status; an open order can be played through the Alipay sandbox. */
export function MoneyScreen() {
  return (
    <div class="columns">
      <TopUps />
      <Withdrawals />
    </div>
  );
}

function TopUps() {
  const { t, lang } = useConsole();
  const [status, setStatus] = useState('');
  // Paid but not yet credited, or a refund under way: money in flight, to be followed up oldest first.
  const shown = listPath(`${ISSUER}/operator/top-ups`, status, ['paid', 'refund_pending']);
  const list = usePagedList<TopUpItem>(shown.path);
  const message = useMessage();
  const [busy, setBusy] = useState(false);

  const play = async (item: TopUpItem, action: (typeof SANDBOX_ACTIONS)[number]) => {
    setBusy(true);
    const answer = await api<{ top_up: TopUpItem }>('POST', `${ISSUER}/operator/sandbox/alipay/${encodeURIComponent(item.id)}/${action}`);
    setBusy(false);
    // The order's buttons go once it is no longer open: the keyboard goes on from the list's heading, under which the outcome is said.
    focusById('topups-title');
    if (!answer.ok) return message.show('error', refusal(answer));
    const now = answer.body.top_up.status;
    message.show('ok', (t) => t('sandboxDone', { id: item.id, status: named(t, 'topup_', now) }));
    list.reload();
  };

  return (
    <section class="panel" aria-labelledby="topups-title">
      <div class="panel-head">
        <h2 id="topups-title" tabIndex={-1}>
          {t('topUpsTitle')}
        </h2>
        <StatusFilter id="topups-status" value={status} options={[{ value: '', label: t('all') }, ...TOP_UP_STATUSES.map((s) => ({ value: s, label: t(`topup_${s}`) }))]} onChange={setStatus} />
      </div>
      <Said id="topups-message" shown={message.shown} t={t} lang={lang} />
      {shown.oldestFirst && list.items?.length !== 0 ? <p class="meta" id="topups-order">{t('oldestFirst')}</p> : null}
      <ul id="topups-list" class="items">
        {(list.items ?? []).map((item) => (
          <li key={item.id} data-id={item.id}>
            <div class="item-head">
              <strong>{show(item.usd_amount)}</strong>
              <Badge tone={topUpTone(item.status)}>{named(t, 'topup_', item.status)}</Badge>
            </div>
            <p id={`topup-${item.id}-line`}>{t('topUpLine', { cny: show(item.cny_amount), usd: show(item.usd_amount), fee: show(item.fee), rate: item.rate })}</p>
            <p class="meta">
              <span class="mono">{item.cardholder.phone}</span> · <Phrase text={t('createdAt')} values={{ time: <Time iso={item.created_at} /> }} />
            </p>
            <p class="meta mono">{item.id}</p>
            {item.status === 'created' ? (
              <div class="actions sandbox" role="group" aria-label={t('sandboxControls')}>
                <span class="sandbox-label" aria-hidden="true">
                  {t('sandboxControls')}
                </span>
                {SANDBOX_ACTIONS.map((action) => (
                  <button key={action} type="button" data-action={action} class={action === 'pay' ? 'primary' : ''} aria-describedby={`topup-${item.id}-line`} disabled={busy} onClick={() => void play(item, action)}>
                    {t(`sandbox_${action}`)}
                  </button>
                ))}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      <ListFooter id="topups" empty={list.items?.length === 0} emptyText={t('nothingHere')} hasMore={list.hasMore} busy={list.busy} failed={list.failed} onMore={list.more} />
    </section>
  );
}

function Withdrawals() {
  const { t } = useConsole();
  const [status, setStatus] = useState('');
  const shown = listPath(`${ISSUER}/operator/withdrawals`, status, ['pending']);
  const list = usePagedList<WithdrawalItem>(shown.path);
  return (
    <section class="panel" aria-labelledby="withdrawals-title">
      <div class="panel-head">
        <h2 id="withdrawals-title">{t('withdrawalsTitle')}</h2>
        <StatusFilter id="withdrawals-status" value={status} options={[{ value: '', label: t('all') }, ...WITHDRAWAL_STATUSES.map((s) => ({ value: s, label: t(`wd_${s}`) }))]} onChange={setStatus} />
      </div>
      {shown.oldestFirst && list.items?.length !== 0 ? <p class="meta" id="withdrawals-order">{t('oldestFirst')}</p> : null}
      <ul id="withdrawals-list" class="items">
        {(list.items ?? []).map((item) => (
          <li key={item.id} data-id={item.id}>
            <div class="item-head">
              <strong>{show(item.payout_cny)}</strong>
              <Badge tone={withdrawalTone(item.status)}>{named(t, 'wd_', item.status)}</Badge>
            </div>
            <p>{t('withdrawalLine', { amount: show(item.amount), cny: show(item.payout_cny), fee: show(item.fee) })}</p>
            {item.failure_reason ? <p>{t('failure', { reason: item.failure_reason })}</p> : null}
            <p class="meta">
              <span class="mono">{item.cardholder.phone}</span> · <Phrase text={t('createdAt')} values={{ time: <Time iso={item.created_at} /> }} />
            </p>
            <p class="meta mono">{item.id}</p>
          </li>
        ))}
      </ul>
      <ListFooter id="withdrawals" empty={list.items?.length === 0} emptyText={t('nothingHere')} hasMore={list.hasMore} busy={list.busy} failed={list.failed} onMore={list.more} />
    </section>
  );
}
