import { $, form, input } from './dom.ts';
import { lang, t, when } from './i18n.ts';
import { explanationOf } from './messages.ts';
import { centsToDollars } from './money.ts';
import { state } from './state.ts';

/** The auto-recharge panel: its status (never just the switch) and the rule. */

export function paintAutoRecharge(): void {
  const view = state.autoRecharge;
  const status = $('ar-status');
  const detail = $('ar-detail');
  if (!view) {
    status.textContent = '…';
    detail.textContent = '';
    return;
  }
  // The status, never the switch: `enabled` may be true while a pause stops every recharge.
  status.textContent = t(`arStatus_${view.status}`);
  status.className = `status-${view.status}`;
  status.dataset.status = view.status;
  const parts: string[] = [];
  if (view.status === 'paused') {
    parts.push((lang() === 'zh' ? view.paused_message_zh : view.paused_message) || view.paused_message || '');
  } else if (view.status === 'active') {
    if (view.threshold && view.target) parts.push(t('arActiveDetail', { threshold: view.threshold.formatted, target: view.target.formatted }));
    if (view.monthly_limit) parts.push(t('arLimitDetail', { limit: view.monthly_limit.formatted, used: view.used_this_month.formatted }));
  } else {
    parts.push(t('arOffDetail'));
  }
  if (view.status !== 'off' && view.next_attempt_at) parts.push(` ${t('arNextAttempt', { when: when(view.next_attempt_at) })}`);
  const lastFailure = view.last_payment && view.last_payment.status === 'failed' ? explanationOf(view.last_payment) : null;
  if (view.status !== 'off' && lastFailure) parts.push(` ${t('arLastFailed', { why: lastFailure })}`);
  detail.textContent = parts.join('');
  // Pre-fill the form with the rule, unless the person is typing in it.
  const focused = document.activeElement;
  const inForm = focused !== null && 'form' in focused && focused.form === form('ar-form');
  if (view.threshold && view.target && !inForm) {
    input('ar-threshold').value = centsToDollars(view.threshold.amount_minor);
    input('ar-target').value = centsToDollars(view.target.amount_minor);
    input('ar-limit').value = view.monthly_limit ? centsToDollars(view.monthly_limit.amount_minor) : '';
  }
}
