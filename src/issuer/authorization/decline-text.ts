/**
 * What a cardholder reads next to a declined line of their card statement,
 * in Chinese and English: what happened and, where there is one, what to do.
 * Written for the cardholder, so it never names merchant-side rules (those
 * never reach the issuer) and never says more about fraud signals than
 * "declined". Unknown reasons (a stand-in decline by the network, a reason
 * added later) fall back to a generic line rather than to a raw code.
 */
export interface DeclineText {
  readonly zh: string;
  readonly en: string;
}

const CATALOGUE: Readonly<Record<string, DeclineText>> = {
  approved: { zh: '交易已批准。', en: 'The payment was approved.' },
  invalid_request: { zh: '商户发来的交易信息不完整或有误，交易未能处理。请让商户重试。', en: 'The merchant sent incomplete or invalid payment details. Ask the merchant to try again.' },
  invalid_amount: { zh: '交易金额无效。', en: 'The payment amount is not valid.' },
  card_not_found: { zh: '卡号不存在，请检查卡号是否输入正确。', en: 'This card number does not exist. Check that it was entered correctly.' },
  card_closed: { zh: '此卡已注销，无法再使用。请换一张卡。', en: 'This card is closed and can no longer be used. Use another card.' },
  card_frozen: { zh: '此卡已被冻结。如需使用，请先在卡片页面解冻。', en: 'This card is frozen. Unfreeze it on the card page to use it.' },
  card_expired: { zh: '此卡已过期。请换一张有效的卡。', en: 'This card has expired. Use a card that is still valid.' },
  expiry_mismatch: { zh: '输入的有效期与卡片不符，请核对有效期（月/年）。', en: 'The expiry date entered does not match the card. Check the month and year.' },
  cvv2_mismatch: { zh: '安全码（CVV2）不正确，请核对卡片详情中的三位数安全码。', en: 'The security code (CVV2) is incorrect. Check the three-digit code of the card.' },
  cvv2_required: { zh: '此次付款需要填写安全码（CVV2），请在付款页面输入安全码。', en: 'This payment needs the security code (CVV2). Enter it on the payment page.' },
  stored_credential_invalid: { zh: '商户没有提供安全码，也没有此卡在该商户经安全码验证的首次交易记录，交易被拒绝。请在付款页面重新输入卡片信息和安全码。', en: 'The merchant sent no security code and no earlier security-code-checked payment of this card with them. Enter the card and its security code again on the payment page.' },
  declines_limited: { zh: '为防止盗刷，此卡或该商户因多次错误尝试暂时受到限制。请稍后再试。', en: 'To protect against card testing, this card or this merchant is temporarily limited after repeated failed attempts. Try again later.' },
  avs_line1_mismatch: { zh: '账单地址（街道地址）与卡片登记的地址不符。请填写卡片页面显示的账单地址。', en: 'The billing street address does not match the card. Enter the billing address shown on the card page.' },
  avs_postal_code_mismatch: { zh: '邮政编码与卡片登记的账单地址不符。请填写卡片页面显示的邮编。', en: "The postal code does not match the card's billing address. Enter the postal code shown on the card page." },
  avs_mismatch: { zh: '账单地址和邮政编码都与卡片登记的不符。请填写卡片页面显示的账单地址。', en: 'Neither the billing address nor the postal code matches the card. Enter the billing address shown on the card page.' },
  kyc_not_approved: { zh: '你的实名认证未通过或已失效，卡片暂时无法消费。请先完成实名认证。', en: 'Your identity verification is not approved, so the card cannot be used. Complete identity verification first.' },
  currency_not_supported: { zh: '此卡不支持该商户的扣款币种：发卡方没有该币种的汇率。可请商户改用美元（USD）或其他支持的币种扣款。', en: 'This card cannot pay in the currency the merchant charged: the issuer has no exchange rate for it. Ask the merchant to charge in US dollars (USD) or another supported currency.' },
  mcc_blocked: { zh: '此类商户的交易已被卡片的商户类别设置禁止。可在卡片控制中修改。', en: "Payments to this kind of merchant are blocked by the card's merchant category controls. You can change them in the card controls." },
  country_blocked: { zh: '此商户所在国家/地区的交易已被卡片设置禁止。可在卡片控制中修改。', en: "Payments to merchants in this country are blocked by the card's country controls. You can change them in the card controls." },
  limit_per_transaction_exceeded: { zh: '金额超过了卡片的单笔消费限额。可在卡片控制中提高限额。', en: "The amount is above the card's per-payment limit. You can raise it in the card controls." },
  limit_per_day_exceeded: { zh: '今日消费（按 UTC 日计）已超过卡片的每日限额。可提高限额或明天再试。', en: "Today's spending (UTC day) would pass the card's daily limit. Raise the limit or try again tomorrow." },
  limit_per_month_exceeded: { zh: '本月消费（按 UTC 月计）已超过卡片的每月限额。可提高限额或下月再试。', en: "This month's spending (UTC month) would pass the card's monthly limit. Raise the limit or try next month." },
  merchant_account_limit: {
    zh: '此卡在该商户绑定的账户数已达上限（默认 4 个）。请用已绑定的账户付款，或为新账户换一张卡。',
    en: 'This card already pays for the most accounts allowed at this merchant (4 by default). Pay from an account already using it, or use another card for the new account.',
  },
  insufficient_funds: { zh: '卡内可用余额不足（未结算的预授权也会占用余额）。请先给卡片充值，再重试。', en: 'The card does not have enough available balance (pending authorizations count). Load the card, then try again.' },
  authentication_required: {
    zh: '请在本人在场时重新付款，并完成银行的验证（短信验证码或银行 App）。只要你曾与该商户完成过一次经验证的付款或绑卡，商户的自动扣款仍可成功：商户依据此前经验证的授权发起的扣款免于强客户认证（SCA）——除非你的银行每次都要求验证。',
    en: "Pay again while present and complete your bank's check (a code by SMS or the bank's app). The merchant's automatic charges still work once you have authenticated a payment or a card set-up with it: payments the merchant starts under that earlier, authenticated agreement are exempt from strong customer authentication (SCA) — unless your bank asks every time.",
  },
  authentication_invalid: { zh: '请重新付款，并为这笔付款完成银行的验证。', en: "Pay again and complete your bank's check for this payment." },
  issuer_overloaded: { zh: '发卡行系统繁忙，请稍后重试。', en: 'The card issuer is busy. Try again in a moment.' },
  system_malfunction: { zh: '发卡行处理出错，交易被网络拒绝。请稍后重试。', en: 'The card issuer failed to process the payment, so the network declined it. Try again shortly.' },
  invalid_issuer_response: { zh: '发卡行的应答无效，交易被网络拒绝。请稍后重试。', en: 'The card issuer answered in a way the network could not use, so it declined the payment. Try again shortly.' },
  issuer_unavailable: { zh: '发卡行暂时无法响应，交易被网络拒绝。请稍后重试。', en: 'The card issuer did not answer in time, so the network declined the payment. Try again shortly.' },
  // Follow-ups (merchant-side messages; shown only when they change something for the cardholder).
  original_not_found: { zh: '找不到对应的原始授权。', en: 'The original authorization was not found.' },
  authorization_declined: { zh: '原始授权已被拒绝。', en: 'The original authorization was declined.' },
  authorization_closed: { zh: '原始授权已完成结算。', en: 'The original authorization is already completed.' },
  authorization_reversed: { zh: '原始授权已被撤销。', en: 'The original authorization was reversed.' },
  authorization_expired: { zh: '原始授权已过期，预授权金额已退回卡内。', en: 'The original authorization expired and its hold went back to the card.' },
  not_a_purchase: { zh: '验证交易不能结算或追加金额。', en: 'A card verification cannot be captured or increased.' },
  not_cleared: { zh: '该交易尚未结算，无法退款。', en: 'The payment was not captured, so there is nothing to refund.' },
  currency_mismatch: { zh: '币种与原始授权不一致。', en: 'The currency differs from the original authorization.' },
  amount_exceeds_held: { zh: '金额超过了仍被预授权的金额。', en: 'The amount is more than is still held.' },
  amount_exceeds_refundable: { zh: '退款金额超过了可退金额。', en: 'The refund is more than what can still be refunded.' },
  message_id_reused: { zh: '消息编号被重复用于不同类型的消息。', en: 'The message id was already used for another kind of message.' },
};

const FALLBACK: DeclineText = { zh: '交易被拒绝。如有疑问，请联系客服。', en: 'The payment was declined. Contact support if you need help.' };

/** The cardholder's text for a reason; a generic line for reasons the catalogue does not know. */
export function declineText(reason: string): DeclineText {
  return Object.hasOwn(CATALOGUE, reason) ? CATALOGUE[reason]! : FALLBACK;
}

/** Whether the catalogue has a text of its own for `reason` (tests, the doctor). */
export function hasDeclineText(reason: string): boolean {
  return Object.hasOwn(CATALOGUE, reason);
}
