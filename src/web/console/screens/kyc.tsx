import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ISSUER } from '../api.ts';
import { useConsole } from '../context.ts';
import { listPath, usePagedList } from '../paged-list.ts';
import { refusal, Said, useMessage } from '../said.tsx';
import { named } from '../strings.ts';
import type { KycItem, KycReason } from '../types.ts';
import { Badge, focusById, ListFooter, Phrase, StatusFilter, Time } from '../ui.tsx';

const STATUSES = ['pending', 'approved', 'rejected'] as const;
const TONE = { pending: 'wait', approved: 'good', rejected: 'bad' } as const;

/**
 * The KYC queue: pending verifications first; approve, or reject with a
 * reason code — the form shows what the cardholder will be told for it, and
 * takes an internal note the cardholder never sees.
 */
export function KycScreen() {
  const { t, lang } = useConsole();
  const [status, setStatus] = useState('pending');
  const shown = listPath(`${ISSUER}/operator/kyc`, status, ['pending']);
  const list = usePagedList<KycItem>(shown.path);
  const message = useMessage();
  const [rejecting, setRejecting] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reason = useRef<HTMLSelectElement>(null);
  const note = useRef<HTMLTextAreaElement>(null);
  const [chosen, setChosen] = useState('');
  const [reasonMissing, setReasonMissing] = useState(false);
  // The reasons and their words come from the issuer, the one place they are kept; read once per visit.
  const [reasons, setReasons] = useState<readonly KycReason[] | null>(null);
  const loadReasons = async () => {
    const answer = await api<{ data: KycReason[] }>('GET', `${ISSUER}/operator/kyc/reasons`);
    if (answer.ok) setReasons(answer.body.data);
    return answer.ok;
  };
  useEffect(() => {
    void loadReasons();
  }, []);
  const reasonOf = (code: string) => reasons?.find((r) => r.code === code);
  const titleOf = (code: string) => reasonOf(code)?.title[lang] ?? code;

  // "Reject…" opens the reason's field: the keyboard goes straight into it.
  useEffect(() => {
    if (rejecting !== null) reason.current?.focus();
  }, [rejecting]);

  const startRejecting = (item: KycItem) => {
    message.clear();
    setReasonMissing(false);
    setChosen('');
    setRejecting(item.id);
    if (reasons === null) void loadReasons().then((ok) => (ok ? undefined : message.show('error', (t) => t('reasonsUnavailable'))));
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
    const code = reason.current?.value ?? '';
    if (code === '') {
      setReasonMissing(true);
      reason.current?.focus();
      return message.show('error', (t) => t('enterReason'));
    }
    const internalNote = note.current?.value.trim() ?? '';
    setBusy(true);
    const answer = await api<unknown>('POST', `${ISSUER}/operator/kyc/${encodeURIComponent(item.id)}/reject`, {
      reason: code,
      ...(internalNote === '' ? {} : { internal_note: internalNote }),
    });
    setBusy(false);
    focusById('kyc-title');
    if (!answer.ok) return message.show('error', refusal(answer));
    setRejecting(null);
    setReasonMissing(false);
    const picked = reasonOf(code);
    message.show('ok', (t, lang) => t('kycRejected', { phone: item.cardholder.phone, reason: picked?.title[lang] ?? code }));
    list.reload();
  };
  const told = reasonOf(chosen);

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
            {item.reason ? <p>{t('reasonShown', { reason: titleOf(item.reason) })}</p> : null}
            {item.legacy_reason_text ? <p>{t('legacyReasonShown', { text: item.legacy_reason_text })}</p> : null}
            {item.internal_note ? <p class="note">{t('noteShown', { note: item.internal_note })}</p> : null}
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
                <select
                  id={`reject-${item.id}`}
                  ref={reason}
                  required
                  value={chosen}
                  onChange={(event) => {
                    setChosen(event.currentTarget.value);
                    setReasonMissing(false);
                  }}
                  aria-invalid={reasonMissing ? 'true' : undefined}
                  aria-describedby={reasonMissing ? 'kyc-message' : told ? `reject-${item.id}-told` : undefined}
                >
                  <option value="">{t('chooseReason')}</option>
                  {(reasons ?? []).map((r) => (
                    <option key={r.code} value={r.code}>
                      {r.title[lang]}
                    </option>
                  ))}
                </select>
                {/* What the cardholder will read for this reason, before it is sent (in the operator's language). */}
                {told ? (
                  <div class="told" id={`reject-${item.id}-told`}>
                    <p>{t('cardholderTold')}</p>
                    <blockquote>
                      <p>{told.cardholder.reason_text[lang]}</p>
                      <p>{told.cardholder.next_step[lang]}</p>
                    </blockquote>
                    <p class="note">{told.can_resubmit ? t('mayResubmit') : t('mayNotResubmit')}</p>
                  </div>
                ) : null}
                <label for={`reject-${item.id}-note`}>{t('internalNote')}</label>
                <textarea id={`reject-${item.id}-note`} ref={note} rows={2} maxLength={500} aria-describedby={`reject-${item.id}-note-help`} />
                <p class="note" id={`reject-${item.id}-note-help`}>
                  {t('internalNoteHelp')}
                </p>
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
