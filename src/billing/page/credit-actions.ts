import { api } from './api.ts';
import type { Payment } from './api-types.ts';
import { refresh } from './dashboard.ts';
import { busy, input } from './dom.ts';
import { t } from './i18n.ts';
import { refusal, show } from './messages.ts';
import { dollarsToCents } from './money.ts';

/** Buying credits with the default card. */
export async function buy(button: HTMLButtonElement): Promise<void> {
  const cents = dollarsToCents(input('buy-amount').value);
  if (cents === null) return show('buy-message', 'bad', () => t('badAmount'));
  await busy(button, async () => {
    // One key per click: a retried request cannot pay twice.
    const answer = await api<Payment>('POST', '/credit_purchases', { amount: cents }, { 'idempotency-key': crypto.randomUUID() });
    if (answer.ok && answer.status === 200) {
      const amount = answer.body.amount.formatted;
      show('buy-message', 'good', () => t('paid', { amount }));
      input('buy-amount').value = '';
    } else if (answer.status === 202) {
      show('buy-message', '', () => t('processing'));
    } else {
      show('buy-message', 'bad', refusal(answer, 'declined'));
    }
    await refresh();
  });
}
