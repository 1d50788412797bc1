import { NETWORK_REASONS } from '../network/index.ts';
import { answeredEntry, type CatalogueEntry } from './catalogue-types.ts';
import { withIssuerRemedy } from './issuer-text.ts';

/**
 * Declines the card network answered itself (network-answers.ts): a
 * stand-in for an issuer that did not answer in time (91) or failed (96), a
 * card number no issuer has (15), a reused message id (94), or a message it
 * could not accept (its format checks, message-validation.ts: 12/13/14).
 */

/** Every format refusal (`invalid_…`, see message-validation.ts) is explained by this one entry. */
export const NETWORK_FORMAT_REFUSAL = 'network_format_refusal';

/** Network reasons that only ever answer follow-ups (reversal, clearing, refund), never a payment attempt. */
export const FOLLOW_UP_ONLY_NETWORK_REASONS: ReadonlySet<string> = new Set([
  NETWORK_REASONS.unknownOriginal,
  NETWORK_REASONS.originalNotApproved,
  NETWORK_REASONS.currencyMismatch,
]);

/** The catalogue reason for a decline the network answered with `reason`. */
export function networkCatalogueReason(reason: string): string {
  return reason.startsWith('invalid_') && reason !== NETWORK_REASONS.invalidIssuerResponse ? NETWORK_FORMAT_REFUSAL : reason;
}

const NOT_ISSUER_EN = 'The card issuer did not decide this payment; nothing is held on the card.';
const NOT_ISSUER_ZH = '发卡行没有对这笔交易作出决定，卡上没有任何预授权。';

export const NETWORK_ENTRIES: readonly CatalogueEntry[] = [
  answeredEntry(
    NETWORK_REASONS.issuerUnavailable,
    'network',
    '91',
    'system_failure',
    withIssuerRemedy(NETWORK_REASONS.issuerUnavailable, {
      en: {
        title: 'Card issuer did not answer in time',
        explanation: `The card network asked the card issuer and got no answer within its time limit, so it declined in the issuer's stead (ISO 91, "issuer or switch inoperative"). ${NOT_ISSUER_EN} A temporary failure: the same payment can succeed later.`,
      },
      zh: {
        title: '发卡行未及时响应',
        explanation: `卡组织网络向发卡行发出请求后在时限内没有收到答复，因此代发卡行拒绝了交易（ISO 91，“发卡行或交换系统不可用”）。${NOT_ISSUER_ZH}这是临时故障，稍后重试可能成功。`,
      },
    }),
  ),
  answeredEntry(
    NETWORK_REASONS.systemMalfunction,
    'network',
    '96',
    'system_failure',
    withIssuerRemedy(NETWORK_REASONS.systemMalfunction, {
      en: {
        title: 'Card issuer failed while processing',
        explanation: `The card issuer's system failed on this payment, so the card network declined it (ISO 96, "system malfunction"). ${NOT_ISSUER_EN} A temporary failure: the same payment can succeed later.`,
      },
      zh: {
        title: '发卡行处理出错',
        explanation: `发卡行系统在处理这笔交易时出错，卡组织网络因此拒绝了交易（ISO 96，“系统故障”）。${NOT_ISSUER_ZH}这是临时故障，稍后重试可能成功。`,
      },
    }),
  ),
  answeredEntry(
    NETWORK_REASONS.invalidIssuerResponse,
    'network',
    '96',
    'system_failure',
    withIssuerRemedy(NETWORK_REASONS.invalidIssuerResponse, {
      en: {
        title: 'Card issuer answered incorrectly',
        explanation: `The card issuer's answer did not follow the network's rules, so the network treated it as a failure and declined (ISO 96). ${NOT_ISSUER_EN}`,
      },
      zh: {
        title: '发卡行应答无效',
        explanation: `发卡行的应答不符合卡组织网络的规范，网络将其视为故障并拒绝了交易（ISO 96）。${NOT_ISSUER_ZH}`,
      },
    }),
  ),
  answeredEntry(NETWORK_REASONS.noSuchIssuer, 'network', '15', 'other', {
    en: {
      title: 'No card issuer for this card number',
      explanation: 'The card network has no issuer for this card number (ISO 15, "no such issuer"), so nobody could approve it.',
      remedy: 'Check the card number, or use another card.',
    },
    'zh-CN': {
      title: '找不到该卡号的发卡行',
      explanation: '卡组织网络找不到这个卡号所属的发卡行（ISO 15，“无此发卡行”），因此无人能批准这笔交易。',
      remedy: '请核对卡号，或换一张卡。',
    },
  }),
  answeredEntry(NETWORK_REASONS.messageIdReused, 'network', '94', 'other', {
    en: {
      title: 'Duplicate transmission',
      explanation: "The merchant's payment processor sent this payment with an id it had already used for another message (ISO 94), so the network refused it. A fault on the merchant's side.",
      remedy: 'Nothing was charged. Ask the merchant to try the payment again.',
    },
    'zh-CN': {
      title: '重复报文',
      explanation: '商户的支付机构用一个已被其他报文使用过的编号发送了这笔交易（ISO 94），网络因此拒绝。这是商户方的问题。',
      remedy: '没有扣款。请让商户重新发起付款。',
    },
  }),
  answeredEntry(NETWORK_FORMAT_REFUSAL, 'network', '12', 'other', {
    en: {
      title: 'Payment message refused by the network',
      explanation: "The card network refused the payment message because a field was missing or malformed (ISO 12/13/14). It never reached the card issuer. A fault on the merchant's side.",
      remedy: 'Nothing was charged. Check the card details; if they are right, ask the merchant to try again.',
    },
    'zh-CN': {
      title: '交易报文被网络拒绝',
      explanation: '卡组织网络因交易报文字段缺失或格式错误拒绝了这笔交易（ISO 12/13/14），交易没有到达发卡行。这是商户方的问题。',
      remedy: '没有扣款。请核对卡片信息；若无误，请让商户重试。',
    },
  }),
];
