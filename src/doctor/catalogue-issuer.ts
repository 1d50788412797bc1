import { AUTHORIZATION_REASONS } from '../issuer/index.ts';
import { answeredEntry, type CatalogueEntry, type SeedCause } from './catalogue-types.ts';
import { withIssuerRemedy } from './issuer-text.ts';

/**
 * Declines decided by Cardlane's own card issuer: one entry per reason in
 * reasons.ts (the exhaustiveness test fails when a reason is added without
 * one). The remedy is the issuer's own cardholder message (decline-text.ts)
 * wherever it has one that says what to do.
 */

type IssuerReason = Exclude<keyof typeof AUTHORIZATION_REASONS, 'approved'>;

interface Own {
  readonly cause: SeedCause;
  readonly en: { title: string; explanation: string };
  readonly zh: { title: string; explanation: string };
  /** Only where the statement text says what happened but not what to do. */
  readonly remedy?: { en: string; zh: string };
}

const ISSUER: Readonly<Record<IssuerReason, Own>> = {
  invalid_request: {
    cause: 'other',
    en: { title: 'Invalid payment message', explanation: "The card issuer refused the payment because the merchant's message was incomplete or invalid (ISO 12); no check on the card was made." },
    zh: { title: '交易信息无效', explanation: '发卡行因商户发来的交易信息不完整或有误而拒绝（ISO 12），没有对卡片做任何检查。' },
  },
  invalid_amount: {
    cause: 'other',
    en: { title: 'Invalid amount', explanation: 'The card issuer refused the payment because its amount is not a valid amount (ISO 13).' },
    zh: { title: '金额无效', explanation: '发卡行因交易金额无效而拒绝（ISO 13）。' },
    remedy: { en: 'Nothing was charged. Ask the merchant to check the amount and try again.', zh: '没有扣款。请让商户核对金额后重试。' },
  },
  card_not_found: {
    cause: 'other',
    en: { title: 'Card number not known to the issuer', explanation: 'The card issuer has no card with this number (ISO 14, invalid card number) — usually a typing mistake.' },
    zh: { title: '发卡行不认识该卡号', explanation: '发卡行没有这个卡号的卡（ISO 14，无效卡号）——通常是输入错误。' },
  },
  card_closed: {
    cause: 'other',
    en: { title: 'Card closed', explanation: "The card issuer declined because the card is closed: a closed card's number no longer pays (ISO 14, so merchants do not retry it)." },
    zh: { title: '卡片已注销', explanation: '发卡行拒绝，因为此卡已注销：注销的卡号不能再付款（ISO 14，商户不会重试）。' },
  },
  card_frozen: {
    cause: 'issuer_security_policy',
    en: { title: 'Card frozen', explanation: "The card issuer declined because the card's owner froze it: a frozen card refuses every payment until it is unfrozen (ISO 62, restricted card)." },
    zh: { title: '卡片已冻结', explanation: '发卡行拒绝，因为持卡人冻结了此卡：冻结的卡在解冻前拒绝所有付款（ISO 62，受限卡）。' },
  },
  card_expired: {
    cause: 'other',
    en: { title: 'Card expired', explanation: 'The card issuer declined because the card is past its expiry date (ISO 54, expired card).' },
    zh: { title: '卡片已过期', explanation: '发卡行拒绝，因为此卡已过有效期（ISO 54，过期卡）。' },
  },
  expiry_mismatch: {
    cause: 'billing_details_mismatch',
    en: { title: 'Expiry date does not match', explanation: "The card issuer declined because the expiry date the merchant sent is not the card's (ISO 54)." },
    zh: { title: '有效期不符', explanation: '发卡行拒绝，因为商户发来的有效期与卡片不符（ISO 54）。' },
  },
  cvv2_mismatch: {
    cause: 'billing_details_mismatch',
    en: { title: 'Security code incorrect', explanation: 'The card issuer declined because the security code (CVV2) does not match the card (ISO N7).' },
    zh: { title: '安全码错误', explanation: '发卡行拒绝，因为安全码（CVV2）与卡片不符（ISO N7）。' },
  },
  cvv2_required: {
    cause: 'billing_details_mismatch',
    en: { title: 'Security code missing', explanation: 'The card issuer declined because the merchant sent no security code (CVV2) for a payment the cardholder made online by hand, where the issuer requires one (ISO N7).' },
    zh: { title: '缺少安全码', explanation: '发卡行拒绝，因为持卡人在线手动付款时商户没有发送安全码（CVV2），而发卡行此时要求提供（ISO N7）。' },
  },
  stored_credential_invalid: {
    cause: 'billing_details_mismatch',
    en: { title: 'Stored card not verified at this merchant', explanation: 'The merchant charged the card without its security code (CVV2), and the stored credential it named is not an earlier approval of this card at this merchant with the security code checked, so the card issuer declined (ISO 05). Collect the card again with its security code.' },
    zh: { title: '存储的卡片未在该商户验证', explanation: '商户未提供安全码（CVV2）扣款，而其所引用的存储凭证并不是此卡在该商户经安全码验证并获批准的交易，因此发卡行拒绝（ISO 05）。请重新收集卡片信息和安全码。' },
  },
  declines_limited: {
    cause: 'issuer_security_policy',
    en: { title: 'Declined to stop card testing', explanation: 'The card issuer saw repeated wrong card numbers, expiry dates or security codes — from this merchant, or for this card — and declines such attempts for a while with a generic answer that reveals nothing about the card (ISO 05).' },
    zh: { title: '为防止盗刷测卡而拒绝', explanation: '发卡行发现多次错误的卡号、有效期或安全码尝试（来自该商户或针对此卡），因此在一段时间内以不透露卡片任何信息的通用拒绝答复此类交易（ISO 05）。' },
  },
  avs_line1_mismatch: {
    cause: 'billing_details_mismatch',
    en: { title: 'Billing street address does not match', explanation: "The card issuer compared the billing street address the merchant sent with the card's, found they differ, and declined (AVS; ISO 05)." },
    zh: { title: '账单街道地址不符', explanation: '发卡行将商户发来的账单街道地址与卡片登记的地址比对，发现不一致，因此拒绝（AVS 地址校验；ISO 05）。' },
  },
  avs_postal_code_mismatch: {
    cause: 'billing_details_mismatch',
    en: { title: 'Billing postal code does not match', explanation: "The card issuer compared the billing postal code the merchant sent with the card's, found they differ, and declined (AVS; ISO 05)." },
    zh: { title: '账单邮编不符', explanation: '发卡行将商户发来的账单邮编与卡片登记的邮编比对，发现不一致，因此拒绝（AVS 地址校验；ISO 05）。' },
  },
  avs_mismatch: {
    cause: 'billing_details_mismatch',
    en: { title: 'Billing address and postal code do not match', explanation: "The card issuer compared the billing address and postal code the merchant sent with the card's; neither matches, so it declined (AVS; ISO 05)." },
    zh: { title: '账单地址和邮编都不符', explanation: '发卡行将商户发来的账单地址和邮编与卡片登记的比对，两者都不一致，因此拒绝（AVS 地址校验；ISO 05）。' },
  },
  kyc_not_approved: {
    cause: 'issuer_security_policy',
    en: { title: 'Identity verification not approved', explanation: "The card issuer declined because the cardholder's real-name verification (KYC) is not approved, and without it the card cannot pay (ISO 62, restricted card)." },
    zh: { title: '实名认证未通过', explanation: '发卡行拒绝，因为持卡人的实名认证（KYC）未通过，未认证的卡不能付款（ISO 62，受限卡）。' },
  },
  currency_not_supported: {
    cause: 'other',
    en: { title: 'Currency not supported by the card', explanation: 'The card issuer declined because it has no exchange rate for the currency the merchant charged in, so the USD card cannot pay it (ISO 57). Payments in the currencies the issuer has rates for (such as EUR, GBP, JPY) are converted to USD with a cross-border fee.' },
    zh: { title: '卡片不支持该币种', explanation: '发卡行拒绝，因为发卡行没有商户扣款币种的汇率，这张美元卡无法支付该币种（ISO 57）。发卡行配置了汇率的币种（如欧元、英镑、日元）会按汇率换算成美元并收取跨境手续费。' },
    remedy: { en: 'Ask the merchant to charge in US dollars or another supported currency, or use a card in the currency the merchant charges.', zh: '请让商户以美元或其他支持的币种扣款，或使用支持商户扣款币种的卡。' },
  },
  mcc_blocked: {
    cause: 'issuer_security_policy',
    en: { title: "Merchant category blocked by the card's controls", explanation: "The card issuer declined because the card's own controls block this kind of merchant (its merchant category code, MCC) (ISO 57)." },
    zh: { title: '商户类别被卡片设置禁止', explanation: '发卡行拒绝，因为卡片自身的控制设置禁止此类商户（商户类别码 MCC）（ISO 57）。' },
  },
  country_blocked: {
    cause: 'issuer_security_policy',
    en: { title: "Merchant's country blocked by the card's controls", explanation: "The card issuer declined because the card's own controls block payments to merchants in this country — a cross-border restriction (ISO 62, restricted card)." },
    zh: { title: '商户所在国家被卡片设置禁止', explanation: '发卡行拒绝，因为卡片自身的控制设置禁止向该国家/地区的商户付款——跨境限制（ISO 62，受限卡）。' },
  },
  limit_per_transaction_exceeded: {
    cause: 'insufficient_funds_or_limit',
    en: { title: "Above the card's per-payment limit", explanation: "The card issuer declined because the amount is above the card's per-payment spending limit (ISO 61, exceeds amount limit)." },
    zh: { title: '超过卡片单笔限额', explanation: '发卡行拒绝，因为金额超过了卡片的单笔消费限额（ISO 61，超出金额限制）。' },
  },
  limit_per_day_exceeded: {
    cause: 'insufficient_funds_or_limit',
    en: { title: "Above the card's daily limit", explanation: "The card issuer declined because today's spending (UTC day) with this payment would pass the card's daily limit (ISO 61)." },
    zh: { title: '超过卡片每日限额', explanation: '发卡行拒绝，因为加上这笔付款，今日（UTC 日）消费将超过卡片的每日限额（ISO 61）。' },
  },
  limit_per_month_exceeded: {
    cause: 'insufficient_funds_or_limit',
    en: { title: "Above the card's monthly limit", explanation: "The card issuer declined because this month's spending (UTC month) with this payment would pass the card's monthly limit (ISO 61)." },
    zh: { title: '超过卡片每月限额', explanation: '发卡行拒绝，因为加上这笔付款，本月（UTC 月）消费将超过卡片的每月限额（ISO 61）。' },
  },
  merchant_account_limit: {
    cause: 'insufficient_funds_or_limit',
    en: { title: 'Too many accounts at this merchant on one card', explanation: 'The card issuer declined because this card already pays for the most customer accounts it allows at this merchant, and this payment came from another account (ISO 57).' },
    zh: { title: '此卡在该商户绑定的账户已达上限', explanation: '发卡行拒绝，因为此卡在该商户已为允许的最多客户账户付款，而这笔付款来自另一个账户（ISO 57）。' },
  },
  insufficient_funds: {
    cause: 'insufficient_funds_or_limit',
    en: { title: 'Not enough money on the card', explanation: "The card issuer declined because the card's available balance — what is loaded, minus what pending authorizations hold — is below the amount (ISO 51, not sufficient funds)." },
    zh: { title: '卡内余额不足', explanation: '发卡行拒绝，因为卡内可用余额（已充值金额减去未结算预授权占用的金额）低于交易金额（ISO 51，资金不足）。' },
  },
  authentication_required: {
    cause: 'issuer_security_policy',
    en: {
      title: 'Authentication needed',
      explanation:
        "The card issuer requires the cardholder to authenticate this payment with 3-D Secure (ISO 1A, additional authentication required). A payment made while you are present is sent to your bank's check page; a payment the merchant makes on its own cannot be, so it is declined.",
    },
    zh: {
      title: '需要身份验证',
      explanation: '发卡行要求持卡人用 3-D Secure 验证这笔付款（ISO 1A，需要额外验证）。你本人在场的付款会转到银行的验证页面；商户自行发起的扣款无法转去验证，因此被拒绝。',
    },
  },
  authentication_invalid: {
    cause: 'issuer_security_policy',
    en: {
      title: 'Authentication not recognised',
      explanation: 'The payment carried a 3-D Secure authentication the card issuer did not issue for this card, merchant and amount (or one already used), so it declined (ISO 05).',
    },
    zh: { title: '验证信息无效', explanation: '这笔付款携带的 3-D Secure 验证信息并非发卡行为此卡、此商户和此金额签发（或已使用过），因此被拒绝（ISO 05）。' },
  },
  issuer_overloaded: {
    cause: 'system_failure',
    en: { title: 'Card issuer busy', explanation: 'The card issuer was too busy to decide and declined without looking at the card (ISO 91). A temporary failure; nothing is held.' },
    zh: { title: '发卡行繁忙', explanation: '发卡行过于繁忙，未检查卡片就拒绝了交易（ISO 91）。这是临时故障，卡上没有预授权。' },
  },
};

export const ISSUER_ENTRIES: readonly CatalogueEntry[] = (Object.keys(ISSUER) as IssuerReason[]).map((reason) => {
  const own = ISSUER[reason];
  const text = own.remedy
    ? { en: { ...own.en, remedy: own.remedy.en }, 'zh-CN': { ...own.zh, remedy: own.remedy.zh } }
    : withIssuerRemedy(reason, own);
  return answeredEntry(reason, 'issuer', AUTHORIZATION_REASONS[reason], own.cause, text);
});
