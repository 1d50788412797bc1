import { useEffect, useRef } from 'preact/hooks';
import { dateTime } from '../../shared/format.ts';
import { pick } from '../../shared/lang.ts';
import { api } from '../api.ts';
import { useBilling, useBillingData } from '../context.ts';
import { onSubmit, useBusy, valueOf } from '../form.ts';
import { explanationOf, refusal, Said, useMessage } from '../messages.tsx';
import { centsToDollars, dollarsToCents } from '../money.ts';
import type { AutoRecharge } from '../types.ts';

/** Auto-recharge: its status (never just the switch: it may be on yet paused) and, for an owner, the rule. */
export function AutoRechargePanel() {
  const { t, lang, canChange, refresh } = useBilling();
  const view = useBillingData<AutoRecharge>('/auto_recharge');
  const message = useMessage();
  const { busy, run } = useBusy();
  const form = useRef<HTMLFormElement>(null);
  const threshold = useRef<HTMLInputElement>(null);
  const target = useRef<HTMLInputElement>(null);
  const limit = useRef<HTMLInputElement>(null);

  // Pre-fill the form with the rule, unless the person is typing in it.
  useEffect(() => {
    const typing = form.current !== null && form.current.contains(document.activeElement);
    if (!view?.threshold || !view.target || typing) return;
    if (threshold.current) threshold.current.value = centsToDollars(view.threshold.amount_minor);
    if (target.current) target.current.value = centsToDollars(view.target.amount_minor);
    if (limit.current) limit.current.value = view.monthly_limit ? centsToDollars(view.monthly_limit.amount_minor) : '';
  }, [view]);

  const save = (enabled: boolean) => {
    let body: { enabled: boolean; threshold?: number; target?: number; monthly_limit?: number | null } = { enabled };
    if (enabled) {
      const below = dollarsToCents(valueOf(threshold));
      const backTo = dollarsToCents(valueOf(target));
      const limitText = valueOf(limit).trim();
      const monthly = limitText === '' ? null : dollarsToCents(limitText);
      if (below === null || backTo === null || (limitText !== '' && monthly === null)) return message.show('error', (t) => t('badAmount'));
      body = { enabled, threshold: below, target: backTo, monthly_limit: monthly };
    }
    void run(async () => {
      const answer = await api<AutoRecharge>('POST', '/auto_recharge', body);
      message.show(answer.ok ? 'ok' : 'error', answer.ok ? (t) => t(enabled ? 'arSaved' : 'arTurnedOff') : refusal(answer));
      refresh();
    });
  };

  const detail: string[] = [];
  if (view?.status === 'paused') {
    detail.push(pick({ en: view.paused_message ?? '', zh: view.paused_message_zh ?? '' }, lang));
  } else if (view?.status === 'active') {
    if (view.threshold && view.target) detail.push(t('arActiveDetail', { threshold: view.threshold.formatted, target: view.target.formatted }));
    if (view.monthly_limit) detail.push(t('arLimitDetail', { limit: view.monthly_limit.formatted, used: view.used_this_month.formatted }));
  } else if (view) {
    detail.push(t('arOffDetail'));
  }
  if (view && view.status !== 'off' && view.next_attempt_at) detail.push(` ${t('arNextAttempt', { when: dateTime(view.next_attempt_at, lang) })}`);
  const lastFailure = view?.last_payment?.status === 'failed' ? explanationOf(view.last_payment, lang) : null;
  if (view && view.status !== 'off' && lastFailure) detail.push(` ${t('arLastFailed', { why: lastFailure })}`);

  return (
    <>
      <p>
        <strong>{t('arStatusLabel')}</strong>{' '}
        <span id="ar-status" class={view ? `status-${view.status}` : ''} data-status={view?.status}>
          {view ? t(`arStatus_${view.status}`) : '…'}
        </span>
      </p>
      <p id="ar-detail" class="note">
        {detail.join('')}
      </p>
      {canChange ? (
        <form id="ar-form" ref={form} noValidate onSubmit={onSubmit(() => save(true))}>
          <div class="row">
            <span>
              <label for="ar-threshold">{t('arThreshold')}</label>
              <input id="ar-threshold" ref={threshold} inputMode="decimal" placeholder="5.00" maxLength={12} />
            </span>
            <span>
              <label for="ar-target">{t('arTarget')}</label>
              <input id="ar-target" ref={target} inputMode="decimal" placeholder="10.00" maxLength={12} />
            </span>
            <span>
              <label for="ar-limit">{t('arLimit')}</label>
              <input id="ar-limit" ref={limit} inputMode="decimal" maxLength={12} />
            </span>
          </div>
          <button type="submit" id="ar-save" class="primary" disabled={busy}>
            {t('arSave')}
          </button>{' '}
          <button type="button" id="ar-off" disabled={busy} onClick={() => save(false)}>
            {t('arOff')}
          </button>
        </form>
      ) : null}
      <Said id="ar-message" shown={message.shown} t={t} lang={lang} />
    </>
  );
}
