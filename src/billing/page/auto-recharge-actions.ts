import { api } from './api.ts';
import type { AutoRecharge } from './api-types.ts';
import { refresh } from './dashboard.ts';
import { busy, input } from './dom.ts';
import { t } from './i18n.ts';
import { refusal, show } from './messages.ts';
import { dollarsToCents } from './money.ts';
import { state } from './state.ts';

/** Turning auto-recharge on (with its rule) or off. */
export async function saveAutoRecharge(button: HTMLButtonElement, enabled: boolean): Promise<void> {
  let body: { enabled: boolean; threshold?: number; target?: number; monthly_limit?: number | null } = { enabled };
  if (enabled) {
    const threshold = dollarsToCents(input('ar-threshold').value);
    const target = dollarsToCents(input('ar-target').value);
    const limitText = input('ar-limit').value.trim();
    const limit = limitText === '' ? null : dollarsToCents(limitText);
    if (threshold === null || target === null || (limitText !== '' && limit === null)) return show('ar-message', 'bad', () => t('badAmount'));
    body = { enabled, threshold, target, monthly_limit: limit };
  }
  await busy(button, async () => {
    const answer = await api<AutoRecharge>('POST', '/auto_recharge', body);
    if (answer.ok) {
      state.autoRecharge = answer.body;
      show('ar-message', 'good', () => t(enabled ? 'arSaved' : 'arTurnedOff'));
    } else {
      show('ar-message', 'bad', refusal(answer));
    }
    await refresh();
  });
}
