import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ISSUER } from '../api.ts';
import { useConsole } from '../context.ts';
import { listPath, usePagedList } from '../paged-list.ts';
import { refusal, Said, useMessage } from '../said.tsx';
import { named } from '../strings.ts';
import type { KycItem } from '../types.ts';
import { Badge, focusById, ListFooter, Phrase, StatusFilter, Time } from '../ui.tsx';

const STATUSES = ['pending', 'approved', 'rejected'] as const;
const TONE = { pending: 'wait', approved: 'good', rejected: 'bad' } as const;

/** The KYC queue: pending verifications first; approve, or reject with a reason the cardholder reads. */
export function KycScreen() {
  const { t, lang } = useConsole();
  const [status, setStatus] = useState('pending');
  const shown = listPath(`${ISSUER}/operator/kyc`, status, ['pending']);
  const list = usePagedList<KycItem>(shown.path);
  const message = useMessage();
  const [rejecting, setRejecting] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reason = useRef<HTMLTextAreaElement>(null);
  const [reasonMissing, setReasonMissing] = useState(false);

  // "Reject…" opens the reason's field: the keyboard goes straight into it.
  useEffect(() => {
    if (rejecting !== null) reason.current?.focus();
  }, [rejecting]);

  const startRejecting = (item: KycItem) => {
    message.clear();
    setReasonMissing(false);
    setRejecting(item.id);
  };

  const stopRejecting = (item: KycItem) => {
    setRejecting(null);
    setReasonMissing(false);
    focusById(`kyc-${item.id}-reject`);
  };

  const approve = async (item: KycItem) => {
    setBusy(true);
    const answer = await api<unknown>('POST', `${ISSUER}/operator/kyc/${encodeURIComponent(item.id)}/approve`);
    setBusy(false);
    // The decided verification leaves the queue with its buttons: the keyboard goes on from the queue's heading, under which the outcome is said.
    focusById('kyc-title');
    if (!answer.ok) return message.show('error', refusal(answer));
    message.show('ok', (t) => t('kycApproved', { phone: item.cardholder.phone }));
    list.reload();
  };

  const reject = async (item: KycItem) => {
    const why = reason.current?.value.trim() ?? '';
    if (why === '') {
      setReasonMissing(true);
      reason.current?.focus();
      return message.show('error', (t) => t('enterReason'));
    }
    setBusy(true);
    const answer = await api<unknown>('POST', `${ISSUER}/operator/kyc/${encodeURIComponent(item.id)}/reject`, { reason: why });
    setBusy(false);
    focusById('kyc-title');
    if (!answer.ok) return message.show('error', refusal(answer));
    setRejecting(null);
    setReasonMissing(false);
    message.show('ok', (t) => t('kycRejected', { phone: item.cardholder.phone, reason: why }));
    list.reload();
  };

  return (
    <section class="panel" aria-labelledby="kyc-title">
      <div class="panel-head">
        <h2 id="kyc-title" tabIndex={-1}>
          {t('kycTitle')}
        </h2>
        <StatusFilter
          id="kyc-status"
          value={status}
          options={[...STATUSES.map((s) => ({ value: s, label: t(`kyc_${s}`) })), { value: '', label: t('all') }]}
          onChange={(value) => {
            message.clear();
            setStatus(value);
          }}
        />
      </div>
      {shown.oldestFirst && list.items?.length !== 0 ? <p class="meta" id="kyc-order">{t('oldestFirst')}</p> : null}
      <Said id="kyc-message" shown={message.shown} t={t} lang={lang} />
      <ul id="kyc-list" class="items">
        {(list.items ?? []).map((item) => (
          <li key={item.id} data-id={item.id}>
            <div class="item-head">
              <strong class="mono" id={`kyc-${item.id}-who`}>
                {item.cardholder.phone}
              </strong>
              <Badge tone={TONE[item.status]}>{named(t, 'kyc_', item.status)}</Badge>
            </div>
            <p class="meta">
              <Phrase text={t('submitted')} values={{ time: <Time iso={item.created_at} /> }} />
              {item.completed_at ? (
                <>
                  {' · '}
                  <Phrase text={t('decidedAt')} values={{ time: <Time iso={item.completed_at} /> }} />
                </>
              ) : null}
            </p>
            <p class="meta mono">
              {item.id} · {item.cardholder.id}
            </p>
            {item.reason ? <p>{t('reasonShown', { reason: item.reason })}</p> : null}
            {item.status === 'pending' && rejecting !== item.id ? (
              <div class="actions">
                <button type="button" class="primary" data-action="approve" aria-describedby={`kyc-${item.id}-who`} disabled={busy} onClick={() => void approve(item)}>
                  {t('approve')}
                </button>
                <button type="button" id={`kyc-${item.id}-reject`} data-action="reject" aria-describedby={`kyc-${item.id}-who`} disabled={busy} onClick={() => startRejecting(item)}>
                  {t('reject')}
                </button>
              </div>
            ) : null}
            {rejecting === item.id ? (
              <form class="reject" noValidate onSubmit={(event) => (event.preventDefault(), void reject(item))}>
                <label for={`reject-${item.id}`}>{t('rejectReason')}</label>
                <textarea id={`reject-${item.id}`} ref={reason} rows={2} maxLength={500} required aria-invalid={reasonMissing ? 'true' : undefined} aria-describedby={reasonMissing ? 'kyc-message' : undefined} />
                <div class="actions">
                  <button type="submit" class="danger" data-action="reject-confirm" disabled={busy}>
                    {t('rejectConfirm')}
                  </button>
                  <button type="button" data-action="reject-cancel" onClick={() => stopRejecting(item)}>
                    {t('cancel')}
                  </button>
                </div>
              </form>
            ) : null}
          </li>
        ))}
      </ul>
      <ListFooter id="kyc" empty={list.items?.length === 0} emptyText={t('kycEmpty')} hasMore={list.hasMore} busy={list.busy} failed={list.failed} onMore={list.more} />
    </section>
  );
}
