import type { Lang } from './catalogue-types.ts';
import { say } from './views.ts';

/**
 * The issuer's check names (`CHECK_ORDER` in the issuer's decide.ts) as a
 * person reads them. The trace's JSON keeps the names; sentences show these,
 * so a Chinese sentence never carries `balance` or `limit_per_day`.
 */
const CHECK_TEXT: Readonly<Record<string, readonly [en: string, zh: string]>> = {
  card_testing: ['card-testing protection', '防盗刷检测'],
  card: ['card found', '卡片有效性'],
  status: ['card status (frozen or closed)', '卡片状态（冻结或注销）'],
  expiry: ['expiry date', '有效期'],
  cvv2: ['security code (CVV2)', '安全码（CVV2）'],
  avs: ['billing address (AVS)', '账单地址（AVS）'],
  kyc: ['real-name verification', '实名认证'],
  currency: ['currency', '币种'],
  mcc: ['blocked merchant category', '被屏蔽的商户类别'],
  country: ['blocked country', '被屏蔽的国家或地区'],
  limit_per_transaction: ['per-payment limit', '单笔限额'],
  limit_per_day: ['daily limit', '每日限额'],
  limit_per_month: ['monthly limit', '每月限额'],
  merchant_accounts: ['accounts per merchant', '每个商户的账户数'],
  balance: ['available balance', '可用余额'],
};

/** A list of failed checks in the reader's language; an unknown name is shown as it is. */
export function checksText(names: readonly string[], lang: Lang): string {
  const parts = names.map((name) => {
    const text = CHECK_TEXT[name];
    return text === undefined ? name : say(lang, text[0], text[1]);
  });
  return parts.join(say(lang, ', ', '、'));
}
