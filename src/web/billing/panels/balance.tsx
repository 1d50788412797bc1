import { useRef } from 'preact/hooks';
import { api } from '../api.ts';
import { useBilling, useBillingData } from '../context.ts';
import { onSubmit, useBusy, valueOf } from '../form.ts';
import { refusal, Said, useMessage } from '../messages.tsx';
import { dollarsToCents } from '../money.ts';
import type { CreditBalance, Payment } from '../types.ts';

/** The credit balance, and (for an owner) buying credits with the default card. */
export function BalancePanel() {
  const { t, lang, settings, canChange, refresh } = useBilling();
  const balance = useBillingData<CreditBalance>('/credit_balance');
  const amount = useRef<HTMLInputElement>(null);
  const message = useMessage();
  const { busy, run } = useBusy();

  const buy = () => {
    const cents = dollarsToCents(valueOf(amount));
    if (cents === null) return message.show('error', (t) => t('badAmount'));
    void run(async () => {
      // One key per click: a retried request cannot pay twice.
      const answer = await api<Payment>('POST', '/credit_purchases', { amount: cents }, { 'idempotency-key': crypto.randomUUID() });
      if (answer.ok && answer.status === 200) {
        const paid = answer.body.amount.formatted;
        message.show('ok', (t) => t('paid', { amount: paid }));
        if (amount.current) amount.current.value = '';
      } else if (answer.status === 202) {
        message.show('', (t) => t('processing'));
      } else {
        message.show('error', refusal(answer, 'declined'));
      }
      refresh();
    });
  };

  return (
    <>
      <p class="balance">
        <span id="balance">{balance ? balance.available.formatted : '…'}</span>
      </p>
      {canChange ? (
        <form id="buy-form" class="inline" noValidate onSubmit={onSubmit(buy)}>
          <label for="buy-amount">{t('buyLabel')}</label>
          <input id="buy-amount" name="amount" ref={amount} inputMode="decimal" placeholder="10.00" required maxLength={12} />
          <button type="submit" id="buy-submit" class="primary" disabled={busy}>
            {t('buy')}
          </button>
        </form>
      ) : null}
      <p id="buy-limits" class="note">
        {settings ? t('buyLimits', { min: settings.purchase_minimum.formatted, max: settings.purchase_maximum.formatted }) : ''}
      </p>
      <Said id="buy-message" shown={message.shown} t={t} lang={lang} />
    </>
  );
}
