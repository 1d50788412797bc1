import type { Sql } from '../platform/db/database.ts';
import type { BillingAttemptResolution, BillingAttemptResolver, BillingContextLine } from '../doctor/index.ts';
import { formatMoney, money } from '../platform/money.ts';
import { findAttempt, type PaymentAttempt } from './payments/payment-attempts.ts';

/**
 * Lets the doctor follow a billing payment (`bpa_…`) to the acquirer object
 * it led to (the payment intent, or the setup intent of a card being added)
 * and tell what billing was doing: which kind of payment, customer- or
 * merchant-initiated, for how much.
 */

const DOCTOR_KINDS: Record<PaymentAttempt['kind'], string> = {
  verification: 'add_payment_method',
  purchase: 'credit_purchase',
  auto_recharge: 'auto_recharge',
  subscription: 'subscription_payment',
};

const WHAT: Record<PaymentAttempt['kind'], { en: string; 'zh-CN': string }> = {
  verification: { en: 'adding a card (verification)', 'zh-CN': '添加银行卡（验证）' },
  purchase: { en: 'buying credits', 'zh-CN': '购买额度' },
  auto_recharge: { en: 'an auto-recharge', 'zh-CN': '自动充值' },
  subscription: { en: 'a subscription payment', 'zh-CN': '订阅扣款' },
};

function contextLines(attempt: PaymentAttempt): BillingContextLine[] {
  const amount = formatMoney(money(attempt.amountMinor, attempt.currency));
  const what = WHAT[attempt.kind];
  const initiated =
    attempt.initiator === 'customer'
      ? { en: 'started by the customer (customer-initiated)', 'zh-CN': '由客户发起（CIT）' }
      : { en: 'charged by the merchant off-session (merchant-initiated)', 'zh-CN': '由商户在客户不在场时发起（MIT）' };
  const lines: BillingContextLine[] = [
    {
      code: `billing_${attempt.kind}`,
      text: { en: `Billing was ${what.en} of ${amount}, ${initiated.en}.`, 'zh-CN': `账单系统正在进行${what['zh-CN']}，金额 ${amount}，${initiated['zh-CN']}。` },
      customerVisible: true,
    },
  ];
  if (attempt.status === 'processing') {
    lines.push({
      code: 'billing_payment_processing',
      text: { en: 'The payment is still being processed; billing will finish it.', 'zh-CN': '该笔付款仍在处理中，账单系统会完成它。' },
      customerVisible: true,
    });
  }
  return lines;
}

export const merchantBillingResolver: BillingAttemptResolver = {
  name: 'merchant-billing',
  handles: (id) => id.startsWith('bpa_'),
  async resolve(sql: Sql, id: string): Promise<BillingAttemptResolution | undefined> {
    const attempt = await findAttempt(sql, id);
    if (attempt === null) return undefined;
    return {
      attemptId: attempt.id,
      kind: DOCTOR_KINDS[attempt.kind],
      acquirerObjectId: attempt.providerIntentId ?? attempt.providerChargeId ?? attempt.failure?.charge ?? null,
      createdAtMs: attempt.createdAtMs,
      context: contextLines(attempt),
    };
  },
};
