import { answeredEntry, type CatalogueEntry } from './catalogue-types.ts';

/**
 * Declines of other issuers behind the network — the scripted test bank,
 * which answers like Stripe's test cards (test-bank-script.ts) — whose
 * reasons Cardlane's issuer does not use. The reasons both share
 * (`card_expired`, `cvv2_mismatch`, `insufficient_funds`) are explained by
 * the issuer entries. The exhaustiveness test runs every test card through
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
  answeredEntry('authentication_required', 'issuer', '05', 'issuer_security_policy', {
    en: {
      title: 'Authentication needed',
      explanation: 'The card issuer requires the cardholder to authenticate this payment (for example with 3-D Secure), which this payment could not do, so it declined.',
      remedy: 'Pay again while present so the issuer can ask you to authenticate. A payment the merchant makes on its own cannot be authenticated unless the card was set up for it first.',
    },
    'zh-CN': {
      title: '需要身份验证',
      explanation: '发卡行要求持卡人对这笔付款进行验证（例如 3-D Secure），而这笔付款无法完成验证，因此被拒绝。',
      remedy: '请在本人在场时重新付款，以便发卡行要求您验证。商户自行发起的扣款无法验证，除非事先为此设置过卡片。',
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
