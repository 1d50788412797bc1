import { formatMoney, money } from '../../platform/money.ts';
import { BANK_DECLINED, explainFailure, type Explanation } from '../payments/decline-explanation.ts';
import type { PaymentAttempt } from '../payments/payment-attempts.ts';
import type { PauseReason } from './recharge-failures.ts';

/** What auto-recharge tells the organization when it pauses, in English and Chinese (declines explained by decline-explanation.ts). */

/** Why a paused auto-recharge is paused, in a sentence, for the billing page. */
export function pauseMessage(reason: PauseReason | 'no_default_card' | 'monthly_limit_reached', lastFailure: Explanation | null): Explanation {
  switch (reason) {
    case 'hard_decline':
      return {
        en: `Paused: the last recharge was declined, and retrying will not help: ${lastFailure?.en ?? BANK_DECLINED.en}. Set another default card, or turn auto-recharge on again once the card is fixed.`,
        zh: `已暂停：上一次自动充值被拒，重试也不会成功：${lastFailure?.zh ?? BANK_DECLINED.zh}。请设置另一张默认卡，或在卡的问题解决后重新开启自动充值。`,
      };
    case 'repeated_declines':
      return {
        en: `Paused: the last recharges were declined several times in a row: ${lastFailure?.en ?? BANK_DECLINED.en}. Set another default card, or turn auto-recharge on again once the card is fixed.`,
        zh: `已暂停：自动充值连续多次被拒：${lastFailure?.zh ?? BANK_DECLINED.zh}。请设置另一张默认卡，或在卡的问题解决后重新开启自动充值。`,
      };
    case 'no_default_card':
      return { en: 'Paused: there is no default card to charge. Make a card your default.', zh: '已暂停：没有可扣款的默认卡。请把一张卡设为默认。' };
    case 'monthly_limit_reached':
      return {
        en: "Paused until next month: this month's recharge limit is used up. Raise the limit, or buy credits by hand (purchases do not count toward it).",
        zh: '暂停至下月：本月的自动充值限额已用完。可以提高限额，或手动购买额度（手动购买不计入限额）。',
      };
  }
}

/** The letter telling the owner that auto-recharge paused (sent once per pause). */
export function pauseNotice(attempt: PaymentAttempt, reason: PauseReason, card: { brand: string; last4: string } | null): { subject: string; body: string } {
  const amount = formatMoney(money(attempt.amountMinor, attempt.currency));
  const when = new Date(attempt.finishedAtMs ?? attempt.createdAtMs).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const cardText = card === null ? 'your default card' : `your default card (${card.brand} •••• ${card.last4})`;
  const cardZh = card === null ? '你的默认卡' : `你的默认卡（${card.brand} •••• ${card.last4}）`;
  const why = explainFailure(attempt.failure, attempt.failureClass);
  const stopped =
    reason === 'hard_decline'
      ? { en: 'This kind of decline does not go away by trying again, so we stopped.', zh: '这类拒付重试也不会成功，所以我们停止了自动充值。' }
      : { en: 'It was declined several times in a row, so we stopped trying.', zh: '已连续多次被拒，所以我们停止了尝试。' };
  return {
    subject: 'Auto-recharge is paused: your card was declined / 自动充值已暂停：卡被拒',
    body: [
      `Auto-recharge for your organization is paused.`,
      ``,
      `On ${when} we tried to add ${amount} to your credit balance with ${cardText}. It did not go through: ${why.en}.`,
      stopped.en,
      ``,
      `Nothing was charged for it. Your API requests keep working until your credits run out.`,
      `To resume: make another card your default (auto-recharge resumes by itself), or turn auto-recharge on again in your billing settings once the card is fixed.`,
      ``,
      `——`,
      `你的组织的自动充值已暂停。`,
      ``,
      `${when}，我们尝试用${cardZh}为你的额度充值 ${amount}，没有成功：${why.zh}。`,
      stopped.zh,
      ``,
      `这次没有扣款。在额度用完之前，你的 API 请求照常可用。`,
      `恢复方法：把另一张卡设为默认卡（自动充值会自行恢复），或在卡的问题解决后到账单设置中重新开启自动充值。`,
    ].join('\n'),
  };
}
