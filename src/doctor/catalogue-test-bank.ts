import { answeredEntry, type CatalogueEntry, type Texts } from './catalogue-types.ts';

/**
 * Declines of other issuers behind the network — the scripted test bank,
 * which answers like Stripe's test cards (test-bank-script.ts) — whose
 * reasons Cardlane's issuer does not use. The reasons both share
 * (`card_expired`, `cvv2_mismatch`, `insufficient_funds`,
 * `authentication_required`, `authentication_invalid`) are explained by the
 * issuer entries; a challenge that did not pass (`authentication_failed`,
 * `authentication_abandoned`) is explained here for every issuer. The exhaustiveness test runs every test card through
 * the bank's script and checks each answer has an entry.
 */
export const OTHER_ISSUER_ENTRIES: readonly CatalogueEntry[] = [
  answeredEntry('generic_decline', 'issuer', '05', 'issuer_security_policy', {
    en: {
      title: 'Declined by the card issuer without a reason',
      explanation: 'The card issuer declined and gave no reason (ISO 05, do not honour). Issuers answer this way when their own risk or security policy refuses a payment.',
      remedy: 'Contact the card issuer to ask why, or use another card.',
    },
    'zh-CN': {
      title: '发卡行拒绝且未说明原因',
      explanation: '发卡行拒绝了交易且没有给出原因（ISO 05，拒绝承兑）。发卡行自身的风控或安全策略拒绝交易时通常这样答复。',
      remedy: '请联系发卡行询问原因，或换一张卡。',
    },
  }),
  answeredEntry('lost_card', 'issuer', '41', 'issuer_security_policy', {
    en: {
      title: 'Card reported lost',
      explanation: 'The card issuer declined because the card was reported lost (ISO 41).',
      remedy: 'This card can no longer pay. Use another card; the card issuer can replace it.',
    },
    'zh-CN': { title: '卡片已挂失', explanation: '发卡行拒绝，因为此卡已被挂失（ISO 41）。', remedy: '此卡已不能付款。请换一张卡，可向发卡行申请补卡。' },
  }),
  answeredEntry('stolen_card', 'issuer', '43', 'issuer_security_policy', {
    en: {
      title: 'Card reported stolen',
      explanation: 'The card issuer declined because the card was reported stolen (ISO 43).',
      remedy: 'This card can no longer pay. Use another card; the card issuer can replace it.',
    },
    'zh-CN': { title: '卡片已报失窃', explanation: '发卡行拒绝，因为此卡已被报告失窃（ISO 43）。', remedy: '此卡已不能付款。请换一张卡，可向发卡行申请补卡。' },
  }),
  answeredEntry('processing_error', 'issuer', '96', 'system_failure', {
    en: {
      title: 'Card issuer had a processing error',
      explanation: 'The card issuer answered with a system error (ISO 96, system malfunction). A temporary failure: the same payment can succeed later.',
      remedy: 'Try again in a little while; if it keeps failing, contact the card issuer.',
    },
    'zh-CN': {
      title: '发卡行处理出错',
      explanation: '发卡行以系统错误答复（ISO 96，系统故障）。这是临时故障，稍后重试可能成功。',
      remedy: '请稍后重试；如果一直失败，请联系发卡行。',
    },
  }),
  answeredEntry('card_velocity_exceeded', 'issuer', '65', 'insufficient_funds_or_limit', {
    en: {
      title: "Card's frequency limit exceeded",
      explanation: 'The card issuer declined because the card made too many payments in a short time (ISO 65, exceeds frequency limit).',
      remedy: 'Wait before trying again, or contact the card issuer.',
    },
    'zh-CN': { title: '超过卡片交易频次限制', explanation: '发卡行拒绝，因为此卡短时间内交易次数过多（ISO 65，超出频次限制）。', remedy: '请稍后再试，或联系发卡行。' },
  }),
  challengeEntry('authentication_failed', {
    en: {
      title: 'Authentication failed',
      explanation:
        'The card issuer asked you to authenticate this payment with 3-D Secure and the check failed (a wrong code entered too many times, or the check was refused), so the issuer was never asked to approve it and nothing was charged.',
      remedy:
        'Try the payment again and enter the newest code from your bank\'s SMS. If it fails again, contact your bank. The merchant\'s automatic charges are not affected by this: they do not need you to authenticate once a payment or set-up with this merchant was authenticated.',
    },
    'zh-CN': {
      title: '身份验证失败',
      explanation: '发卡行要求你用 3-D Secure 验证这笔付款，但验证未通过（验证码输错次数过多，或验证被拒绝），因此发卡行没有批准，也没有扣款。',
      remedy: '请重新付款，并输入银行短信中最新的验证码。如果仍然失败，请联系银行。商户的自动扣款不受影响：只要你与该商户的付款或绑卡曾经验证通过，自动扣款就不需要你再次验证。',
    },
  }),
  challengeEntry('authentication_abandoned', {
    en: {
      title: 'Authentication not finished',
      explanation:
        'The card issuer asked you to authenticate this payment with 3-D Secure, and the check was not finished in time (about 10 minutes), so the payment stopped there and nothing was charged.',
      remedy:
        'Pay again and finish your bank\'s check while its page is open. The merchant\'s automatic charges still work without it once a payment or set-up with this merchant was authenticated.',
    },
    'zh-CN': {
      title: '身份验证未完成',
      explanation: '发卡行要求你用 3-D Secure 验证这笔付款，但验证没有在规定时间（约 10 分钟）内完成，付款因此中止，没有扣款。',
      remedy: '请重新付款，并在验证页面打开时完成银行的验证。只要你与该商户的付款或绑卡曾经验证通过，商户的自动扣款无需再次验证仍可成功。',
    },
  }),
  answeredEntry('no_such_card', 'issuer', '14', 'other', {
    en: {
      title: 'Card number unknown to its issuer',
      explanation: 'The card issuer does not know this card number (ISO 14, invalid card number).',
      remedy: 'Check the card number and enter it again, or use another card.',
    },
    'zh-CN': { title: '发卡行不认识该卡号', explanation: '发卡行不认识这个卡号（ISO 14，无效卡号）。', remedy: '请核对卡号后重新输入，或换一张卡。' },
  }),
];

/**
 * A 3-D Secure challenge that did not pass: the issuer answered 1A, the
 * customer was sent to its check and failed or abandoned it. The merchant's
 * client saw `payment_intent_authentication_failure` (no decline code), as
 * at Stripe, not a card decline.
 */
function challengeEntry(reason: string, text: Texts): CatalogueEntry {
  return {
    reason,
    decidedBy: 'issuer',
    isoCode: '1A',
    stripeCode: 'payment_intent_authentication_failure',
    stripeDeclineCode: 'authentication_required',
    adviceCode: 'do_not_try_again',
    retryable: false,
    seedCause: 'issuer_security_policy',
    text,
  };
}
