import type { Sql } from '../platform/db/database.ts';
import type { BillingAttemptResolution, BillingAttemptResolver, BillingAutoRechargeState, BillingContextLine } from '../doctor/index.ts';
import { GLOSSARY } from '../platform/glossary.ts';
import { formatMoney, money } from '../platform/money.ts';
import { findAttempt, type PaymentAttempt } from './payments/payment-attempts.ts';
import { findSettings } from './auto-recharge/recharge-settings.ts';

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
  verification: { en: `adding a card (${GLOSSARY.verificationHold.en})`, 'zh-CN': `添加银行卡（${GLOSSARY.verificationHold.zh}）` },
  purchase: { en: GLOSSARY.creditPurchase.en, 'zh-CN': GLOSSARY.creditPurchase.zh },
  auto_recharge: { en: GLOSSARY.autoRecharge.en, 'zh-CN': GLOSSARY.autoRecharge.zh },
  subscription: { en: 'a subscription renewal', 'zh-CN': '订阅扣款' },
};

function contextLines(attempt: PaymentAttempt): BillingContextLine[] {
  const amount = formatMoney(money(attempt.amountMinor, attempt.currency));
  const what = WHAT[attempt.kind];
  const initiated =
    attempt.initiator === 'customer'
      ? { en: `started by the customer (a ${GLOSSARY.customerInitiated.en})`, 'zh-CN': `由客户本人发起（${GLOSSARY.customerInitiated.zh}）` }
      : { en: `charged by the merchant while the customer was away (a ${GLOSSARY.merchantInitiated.en})`, 'zh-CN': `客户不在场时由商户发起（${GLOSSARY.merchantInitiated.zh}）` };
  const lines: BillingContextLine[] = [
    {
      code: `billing_${attempt.kind}`,
      text: attempt.kind === 'verification' ? verificationText(attempt) : { en: `A payment of ${amount} for ${what.en}, ${initiated.en}.`, 'zh-CN': `一笔 ${amount} 的付款，用途：${what['zh-CN']}，${initiated['zh-CN']}。` },
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

/**
 * A card being added is a verification, not a payment: nothing is charged.
 * Billing records its amount — the hold — only once the issuer approved it;
 * a declined verification's amount is 0 there, so no amount is said rather
 * than "a payment of $0.00" (the issuer's side of the trace has the hold asked).
 * Who started it is said as a verification too: the glossary's
 * "customer-initiated payment" would call it a payment again.
 */
function verificationText(attempt: PaymentAttempt): { en: string; 'zh-CN': string } {
  const hold = attempt.amountMinor > 0 ? formatMoney(money(attempt.amountMinor, attempt.currency)) : null;
  const initiated =
    attempt.initiator === 'customer'
      ? { en: 'started by the customer (a customer-initiated card verification: not a payment, nothing is charged)', 'zh-CN': '由客户本人发起（客户发起的验卡：不是付款，不扣款）' }
      : { en: 'made by the merchant while the customer was away (a merchant-initiated card verification: not a payment, nothing is charged)', 'zh-CN': '客户不在场时由商户发起（商户发起的验卡：不是付款，不扣款）' };
  return hold === null
    ? { en: `A card verification for adding a card, ${initiated.en}.`, 'zh-CN': `一次添加银行卡时的验卡，${initiated['zh-CN']}。` }
    : { en: `A card verification with a ${hold} hold for adding a card, ${initiated.en}.`, 'zh-CN': `一次添加银行卡时的验卡，${GLOSSARY.verificationHold.zh} ${hold}，${initiated['zh-CN']}。` };
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
      ...(attempt.kind === 'auto_recharge' ? { autoRecharge: await autoRechargeState(sql, attempt) } : {}),
    };
  },
};

/** The organization's auto-recharge now, for the doctor's advice on a declined recharge. */
async function autoRechargeState(sql: Sql, attempt: PaymentAttempt): Promise<BillingAutoRechargeState | null> {
  const settings = await findSettings(sql, attempt.orgId);
  if (settings === null) return null;
  return {
    enabled: settings.enabled,
    pausedReason: settings.pausedReason,
    nextAttemptAtMs: settings.nextAttemptAtMs,
    isLatest: settings.lastAttemptId === attempt.id,
  };
}
