import type { ConditionKind } from '../acquirer/index.ts';
import { blockedEntry, type CatalogueEntry } from './catalogue-types.ts';

/**
 * Declines decided at the acquirer: a merchant's own risk rules (before the
 * network, or right after an approval on the issuer's AVS/CVC results) and
 * the acquirer's built-in highest-risk list. None of them ever reached the
 * card issuer as a decline — which is the seed's puzzle: the cardholder's
 * statement shows nothing.
 *
 * Decline codes are the evaluator's (src/acquirer/risk/evaluate.ts); the
 * scenario tests check that a real blocked charge carries the code written here.
 */

/** The reason codes each kind of rule condition can block with (evaluate.ts names them). */
export const RULE_REASONS: Readonly<Record<ConditionKind, readonly string[]>> = {
  card_country: ['rule_card_country'],
  card_funding: ['rule_card_funding'],
  amount: ['rule_amount'],
  card_fingerprint: ['rule_card_fingerprint'],
  velocity: ['rule_velocity'],
  avs: ['rule_avs_postal_code', 'rule_avs_line1'],
  cvc: ['rule_cvc'],
  name_check: ['rule_name_check'],
};

/** The reason a rule of `kind` blocked with, from the charge's decline code (AVS rules block on either field). */
export function ruleReasonOf(kind: ConditionKind, declineCode: string | null): string {
  if (kind === 'avs') return declineCode === 'incorrect_address' ? 'rule_avs_line1' : 'rule_avs_postal_code';
  return RULE_REASONS[kind][0]!;
}

/** The built-in list's reason (`builtin:highest_risk_level` on a charge). */
export const HIGHEST_RISK_REASON = 'highest_risk_level';

const STOPPED_EN = 'It was stopped before the card network: the card issuer never saw it, and nothing was held on the card.';
const STOPPED_ZH = '交易在进入卡组织网络之前就被拦截：发卡行根本没有收到这笔交易，卡上也没有任何预授权。';
const REVERSED_EN = 'The issuer itself approved, but the merchant refuses payments whose check fails, so the authorization was reversed at once and the hold released.';
const REVERSED_ZH = '发卡行本身批准了交易，但商户拒绝该项校验失败的付款，因此授权被立即撤销，预授权金额已退回卡内。';

export const ACQUIRER_ENTRIES: readonly CatalogueEntry[] = [
  blockedEntry('rule_card_country', 'acquirer_rule', 'card_not_supported', 'card_country', {
    en: {
      title: "Card's country not accepted by the merchant",
      explanation: `A risk rule the merchant set at its payment processor refuses cards issued in this card's country. ${STOPPED_EN}`,
      remedy: 'This card cannot be used for this purchase, and the card issuer cannot change that. Pay with a card issued in a country the merchant accepts, or ask the merchant which countries it serves.',
    },
    'zh-CN': {
      title: '商户不接受该国家/地区发行的卡',
      explanation: `商户在其支付机构设置的风控规则拒绝该国家/地区发行的卡。${STOPPED_ZH}`,
      remedy: '这张卡不能用于此次购买，发卡行也无法改变这一点。请使用商户接受的国家/地区发行的卡，或向商户确认其服务范围。',
    },
  }),
  blockedEntry('rule_card_funding', 'acquirer_rule', 'card_not_supported', 'card_type', {
    en: {
      title: 'Card type not accepted by the merchant',
      explanation: `A risk rule the merchant set at its payment processor refuses this type of card (credit, debit or prepaid — virtual cards are usually prepaid) for this kind of payment. ${STOPPED_EN}`,
      remedy: 'Use a type of card the merchant accepts. If the merchant refuses the type only when you pay by hand, its own automatic charges may still go through — the trace says when that applies.',
    },
    'zh-CN': {
      title: '商户不接受该类型的卡',
      explanation: `商户在其支付机构设置的风控规则拒绝此类卡（信用卡、借记卡或预付卡——虚拟卡通常是预付卡）用于这类付款。${STOPPED_ZH}`,
      remedy: '请改用商户接受的卡类型。如果商户只在你手动付款时拒绝这类卡，它自己发起的自动扣款仍可能成功——诊断结果会说明是否属于这种情况。',
    },
  }),
  blockedEntry('rule_amount', 'acquirer_rule', 'transaction_not_allowed', 'other', {
    en: {
      title: "Amount above the merchant's limit",
      explanation: `A risk rule of the merchant refuses payments above a set amount. ${STOPPED_EN}`,
      remedy: 'Pay a smaller amount, or ask the merchant about its limit.',
    },
    'zh-CN': {
      title: '金额超过商户限额',
      explanation: `商户的风控规则拒绝超过设定金额的付款。${STOPPED_ZH}`,
      remedy: '请减少付款金额，或向商户咨询其限额。',
    },
  }),
  blockedEntry('rule_card_fingerprint', 'acquirer_rule', 'merchant_blacklist', 'other', {
    en: {
      title: "Card on the merchant's block list",
      explanation: `The merchant has put this card on its own block list. ${STOPPED_EN}`,
      remedy: 'Only the merchant can take a card off its block list: contact the merchant, or use another payment method.',
    },
    'zh-CN': {
      title: '卡片在商户的黑名单中',
      explanation: `商户把这张卡加入了自己的黑名单。${STOPPED_ZH}`,
      remedy: '只有商户可以把卡从黑名单中移除：请联系商户，或改用其他付款方式。',
    },
  }),
  blockedEntry('rule_velocity', 'acquirer_rule', 'card_velocity_exceeded', 'other', {
    en: {
      title: 'Too many attempts at this merchant',
      explanation: `A risk rule of the merchant limits how many payment attempts one card or one customer may make within a time window, and this attempt went over it. ${STOPPED_EN}`,
      remedy: 'Wait before trying again — every attempt counts, blocked ones too. Fix the cause of the earlier declines first.',
    },
    'zh-CN': {
      title: '在该商户尝试次数过多',
      explanation: `商户的风控规则限制同一张卡或同一客户在一段时间内的付款尝试次数，此次尝试超过了限制。${STOPPED_ZH}`,
      remedy: '请等待一段时间再试——每次尝试（包括被拦截的）都会计数。请先解决之前被拒的原因。',
    },
  }),
  blockedEntry('rule_avs_postal_code', 'acquirer_rule', 'incorrect_zip', 'billing_details_mismatch', {
    en: {
      title: 'Postal code check failed (merchant rule)',
      explanation: `The card issuer checked the billing postal code and it does not match the card's. ${REVERSED_EN}`,
      remedy: "Enter the billing address exactly as the card issuer has it (for a virtual card, the address on the card's page), then pay again.",
    },
    'zh-CN': {
      title: '邮编校验未通过（商户规则）',
      explanation: `发卡行校验了账单邮编，与卡片登记的不符。${REVERSED_ZH}`,
      remedy: '请按发卡行登记的账单地址（虚拟卡以卡片页面显示的地址为准）准确填写后重新付款。',
    },
  }),
  blockedEntry('rule_avs_line1', 'acquirer_rule', 'incorrect_address', 'billing_details_mismatch', {
    en: {
      title: 'Street address check failed (merchant rule)',
      explanation: `The card issuer checked the billing street address and it does not match the card's. ${REVERSED_EN}`,
      remedy: "Enter the billing street address exactly as the card issuer has it (for a virtual card, the address on the card's page), then pay again.",
    },
    'zh-CN': {
      title: '街道地址校验未通过（商户规则）',
      explanation: `发卡行校验了账单街道地址，与卡片登记的不符。${REVERSED_ZH}`,
      remedy: '请按发卡行登记的账单街道地址（虚拟卡以卡片页面显示的地址为准）准确填写后重新付款。',
    },
  }),
  blockedEntry('rule_cvc', 'acquirer_rule', 'incorrect_cvc', 'billing_details_mismatch', {
    en: {
      title: 'Security code check failed (merchant rule)',
      explanation: `The card issuer reported that the security code (CVV2) does not match. ${REVERSED_EN}`,
      remedy: "Enter the card's security code again, carefully, and pay again.",
    },
    'zh-CN': {
      title: '安全码校验未通过（商户规则）',
      explanation: `发卡行报告安全码（CVV2）不匹配。${REVERSED_ZH}`,
      remedy: '请仔细重新输入卡片安全码后再付款。',
    },
  }),
  blockedEntry('rule_name_check', 'acquirer_rule', 'generic_decline', 'billing_details_mismatch', {
    en: {
      title: "Cardholder name doesn't match the card (merchant rule)",
      explanation: `The card issuer compared the name typed at checkout with the name on the card, and they do not match. ${REVERSED_EN}`,
      remedy:
        "Type the cardholder name exactly as it is on the card (for a Cardlane virtual card, the name printed on the card in the cardholder app, also shown as “Name” in its revealed details), then pay again.",
    },
    'zh-CN': {
      title: '持卡人姓名与卡片不符（商户规则）',
      explanation: `发卡行将付款时填写的姓名与卡片上的持卡人姓名进行了比对，两者不一致。${REVERSED_ZH}`,
      remedy: '请按卡片上的持卡人姓名原样填写（Cardlane 虚拟卡的姓名印在持卡人应用中的卡面上，查看卡片详情时也显示在“持卡人姓名”一栏），然后重新付款。',
    },
  }),
  blockedEntry(HIGHEST_RISK_REASON, 'acquirer', 'fraudulent', 'other', {
    en: {
      title: 'Blocked by the payment processor as highest risk',
      explanation: `The merchant's payment processor blocks payments it rates as the highest risk, whatever the merchant's own rules say. ${STOPPED_EN}`,
      remedy: 'Use another card or payment method; the same card will be blocked again.',
    },
    'zh-CN': {
      title: '被支付机构判定为最高风险而拦截',
      explanation: `商户的支付机构会拦截其评定为最高风险的付款，不论商户自己的规则如何。${STOPPED_ZH}`,
      remedy: '请换一张卡或其他付款方式；用同一张卡重试仍会被拦截。',
    },
  }),
];
