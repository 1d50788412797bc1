import type { FailureClass, PaymentFailure } from './payment-attempts.ts';

/**
 * What billing tells a person about a failed payment, in English and
 * Chinese: why it did not go through and what to do, never a raw code like
 * `do_not_honor` (openstory#1500). Grouped as Stripe's decline-code guidance
 * groups them; the merchant's own risk rules are not named (they are the
 * merchant's). The doctor (`cardlane doctor <payment id>`) has the whole trace.
 */

export interface Explanation {
  readonly en: string;
  readonly zh: string;
}

const NOT_ENOUGH_MONEY: Explanation = {
  en: 'the card did not have enough money for it. Add money to the card, or choose another card',
  zh: '卡内余额不足。请给卡充值，或换一张卡',
};
const EXPIRED: Explanation = { en: 'the card has expired. Add a card that is valid and make it your default', zh: '卡已过期。请添加一张有效的卡并设为默认' };
const AUTHENTICATION: Explanation = {
  en: "the card's bank wants you to confirm each payment yourself, which an automatic recharge cannot do. Buy credits by hand once, or use another card",
  zh: '发卡行要求每笔付款由你本人确认，自动充值无法做到。请手动购买一次额度，或换一张卡',
};
const LIMIT: Explanation = {
  en: 'the card reached a spending limit set by its bank or by you. Raise the limit, wait for it to reset, or use another card',
  zh: '卡已达到发卡行或你设置的消费限额。请提高限额、等待限额重置，或换一张卡',
};
const NOT_ACCEPTED: Explanation = {
  en: 'this card cannot be used for this payment. Use another card',
  zh: '这张卡不能用于这笔付款。请换一张卡',
};
export const BANK_DECLINED: Explanation = {
  en: "the card's bank declined it. Contact the bank to ask why, or use another card",
  zh: '发卡行拒绝了这笔付款。请联系发卡行询问原因，或换一张卡',
};
const UNREACHABLE: Explanation = {
  en: "the card's bank or the payment network could not be reached. Nothing is wrong with the card; we will try again later",
  zh: '无法连接发卡行或支付网络。卡本身没有问题，我们稍后会再试',
};
const FIX_DETAILS: Explanation = {
  en: 'the card details did not match what the bank has on file. Add the card again with the right details',
  zh: '卡信息与发卡行记录不符。请用正确的信息重新添加这张卡',
};

const BY_CODE: Record<string, Explanation> = {
  insufficient_funds: NOT_ENOUGH_MONEY,
  withdrawal_count_limit_exceeded: NOT_ENOUGH_MONEY,
  expired_card: EXPIRED,
  authentication_required: AUTHENTICATION,
  card_velocity_exceeded: LIMIT,
  card_not_supported: NOT_ACCEPTED,
  currency_not_supported: NOT_ACCEPTED,
  incorrect_cvc: FIX_DETAILS,
  incorrect_zip: FIX_DETAILS,
  incorrect_address: FIX_DETAILS,
  incorrect_number: FIX_DETAILS,
  invalid_number: FIX_DETAILS,
};

export function explainFailure(failure: PaymentFailure | null, failureClass: FailureClass | null): Explanation {
  if (failureClass === 'processor') return UNREACHABLE;
  if (failure === null) return BANK_DECLINED;
  // Blocked before the network by the merchant's rules: the card is fine elsewhere, not here.
  if (failure.outcome?.type === 'blocked') return NOT_ACCEPTED;
  const code = failure.decline_code ?? failure.code;
  return (code !== null ? BY_CODE[code] : undefined) ?? BANK_DECLINED;
}
