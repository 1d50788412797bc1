import { formatMoney, money } from '../../platform/money.ts';

/** The letter sent when this month's spend reaches one of the budget's thresholds, in English and Chinese. */
export function budgetAlertNotice(input: { thresholdPercent: number; budgetMinor: number; spentMinor: number; currency: string; monthKey: string; hardLimit: boolean }): {
  subject: string;
  body: string;
} {
  const budget = formatMoney(money(input.budgetMinor, input.currency));
  const spent = formatMoney(money(input.spentMinor, input.currency));
  const reached = input.thresholdPercent >= 100;
  const next = input.hardLimit
    ? reached
      ? { en: 'The hard limit is on: API requests are refused until the month ends or an owner raises the budget.', zh: '已开启硬性上限：在本月结束或所有者提高预算之前，API 请求将被拒绝。' }
      : { en: 'The hard limit is on: API requests will be refused once the budget is used up.', zh: '已开启硬性上限：预算用完后，API 请求将被拒绝。' }
    : { en: 'This is an alert only: API requests keep working while you have credits.', zh: '这只是提醒：只要还有额度，API 请求照常可用。' };
  return {
    subject: `Budget alert: ${input.thresholdPercent}% of this month's budget used / 预算提醒：本月预算已用 ${input.thresholdPercent}%`,
    body: [
      `Your organization has used ${spent} of its ${budget} budget for ${input.monthKey} (UTC month): the ${input.thresholdPercent}% alert.`,
      next.en,
      `You can change the budget and its alerts on the billing page.`,
      ``,
      `——`,
      `你的组织在 ${input.monthKey}（按 UTC 计的月份）已使用 ${spent}，预算为 ${budget}：达到 ${input.thresholdPercent}% 提醒。`,
      next.zh,
      `可以在账单页面修改预算和提醒。`,
    ].join('\n'),
  };
}
