import { useRef } from 'preact/hooks';
import { dateTime } from '../../shared/format.ts';
import { api } from '../api.ts';
import { useBilling, useBillingData } from '../context.ts';
import { onSubmit, useBusy, valueOf } from '../form.ts';
import { centsToDollars, dollarsToCents } from '../money.ts';
import type { Amount } from '../types.ts';
import { spendingTranslator } from './spending-strings.ts';
import { failure, SaidSpending, useSpendingMessage } from './spending-ui.tsx';

interface BudgetAnswer {
  readonly monthly_budget: Amount | null;
  readonly alert_thresholds: readonly number[];
  readonly hard_limit: boolean;
  readonly resets_at: string;
  readonly spent_this_month: Amount;
  readonly alerts_sent: readonly { readonly threshold_percent: number; readonly sent_at: string }[];
}

/** The monthly budget: this month's spend against it, the alerts sent, and (for an owner) setting it, its alert thresholds and its hard limit. */
export function BudgetPanel() {
  const { lang, canChange, refresh } = useBilling();
  const t = spendingTranslator(lang);
  const budget = useBillingData<BudgetAnswer>('/budget');
  const amount = useRef<HTMLInputElement>(null);
  const thresholds = useRef<HTMLInputElement>(null);
  const hard = useRef<HTMLInputElement>(null);
  const message = useSpendingMessage();
  const { busy, run } = useBusy();

  const save = () => {
    const cents = dollarsToCents(valueOf(amount));
    if (cents === null || cents <= 0) return message.show('error', (t) => t('badBudget'));
    const parts = valueOf(thresholds).split(/[,，\s]+/).filter((part) => part !== '');
    const percents = parts.map(Number);
    if (percents.length === 0 || percents.some((pct) => !Number.isInteger(pct) || pct < 1 || pct > 100)) return message.show('error', (t) => t('badThresholds'));
    void run(async () => {
      const answer = await api('POST', '/budget', { monthly_budget: cents, alert_thresholds: percents, hard_limit: hard.current?.checked ?? false });
      message.show(answer.ok ? 'ok' : 'error', answer.ok ? (t) => t('budgetSaved') : failure(answer));
      refresh();
    });
  };
  const remove = () =>
    void run(async () => {
      const answer = await api('DELETE', '/budget');
      message.show(answer.ok ? 'ok' : 'error', answer.ok ? (t) => t('budgetRemoved') : failure(answer));
      refresh();
    });

  const set = budget?.monthly_budget ?? null;
  const percent = set && set.amount_minor > 0 && budget ? Math.min(100, Math.round((budget.spent_this_month.amount_minor * 100) / set.amount_minor)) : 0;
  return (
    <>
      <p id="budget-summary" data-spent-cents={budget?.spent_this_month.amount_minor ?? ''}>
        {budget === null
          ? '…'
          : set === null
            ? `${t('budgetNone')} ${t('budgetSpentNoBudget', { spent: budget.spent_this_month.formatted })}`
            : t('budgetSpent', { spent: budget.spent_this_month.formatted, budget: set.formatted })}
      </p>
      {set !== null ? <progress id="budget-progress" max={100} value={percent} aria-label={`${percent}%`} /> : null}
      {budget !== null ? (
        <p class="note" id="budget-details">
          {set !== null ? `${budget.hard_limit ? t('budgetHard') : t('budgetSoft')} ` : ''}
          {t('budgetResets', { when: dateTime(budget.resets_at, lang) })}
          {budget.alerts_sent.length > 0 ? ` ${t('budgetAlertsSent', { list: budget.alerts_sent.map((alert) => `${alert.threshold_percent}% (${dateTime(alert.sent_at, lang)})`).join(', ') })}` : ''}
        </p>
      ) : null}
      {canChange && budget !== null ? (
        <form id="budget-form" noValidate onSubmit={onSubmit(save)}>
          <label for="budget-amount">{t('budgetAmount')}</label>
          <input id="budget-amount" ref={amount} inputMode="decimal" placeholder="50.00" maxLength={12} defaultValue={set ? centsToDollars(set.amount_minor) : ''} />
          <label for="budget-thresholds">{t('budgetThresholds')}</label>
          <input id="budget-thresholds" ref={thresholds} maxLength={60} defaultValue={(budget.alert_thresholds.length > 0 ? budget.alert_thresholds : [50, 80, 100]).join(', ')} />
          <label class="check" for="budget-hard">
            <input id="budget-hard" type="checkbox" ref={hard} defaultChecked={budget.hard_limit} /> {t('budgetHardLabel')}
          </label>
          <div class="actions">
            <button type="submit" id="budget-save" class="primary" disabled={busy}>
              {t('budgetSave')}
            </button>
            {set !== null ? (
              <button type="button" id="budget-remove" disabled={busy} onClick={remove}>
                {t('budgetRemove')}
              </button>
            ) : null}
          </div>
        </form>
      ) : null}
      <SaidSpending id="budget-message" shown={message.shown} t={t} lang={lang} />
    </>
  );
}
