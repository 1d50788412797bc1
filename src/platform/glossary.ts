// The words Cardlane uses for payment concepts, in English and Chinese.
//
// Every module's people-facing texts name these concepts with these words, so
// a reader meets one name for one thing across the app, the billing page, the
// doctor, the story and the CLI (the seed's readers stumbled over "验卡预授权"
// here and "验证预授权" there for the same $5 hold). `test/i18n` reads every
// Chinese text in src/ and fails on a variant listed under `avoid`, and on an
// English word inside a Chinese sentence that is not in `LATIN_IN_CHINESE`.
//
// It lives in the platform because it is vocabulary, not behaviour: it imports
// nothing and knows no module.

export interface Term {
  readonly en: string;
  readonly zh: string;
  /** Chinese renderings that name the same thing differently; never use them. */
  readonly avoid?: readonly string[];
}

export const GLOSSARY = {
  authorization: { en: 'authorization', zh: '授权' },
  hold: { en: 'hold', zh: '预授权', avoid: ['冻结款'] },
  verificationHold: { en: 'verification hold', zh: '验证预授权', avoid: ['验卡预授权', '验卡冻结'] },
  capture: { en: 'capture', zh: '请款' },
  refund: { en: 'refund', zh: '退款' },
  decline: { en: 'declined', zh: '被拒绝' },
  issuer: { en: 'card issuer', zh: '发卡行' },
  acquirer: { en: 'acquirer', zh: '收单机构' },
  network: { en: 'card network', zh: '卡组织' },
  securityCode: { en: 'security code (CVV2)', zh: '安全码（CVV2）', avoid: ['卡背面'] },
  billingAddress: { en: 'billing address', zh: '账单地址' },
  customerInitiated: { en: 'customer-initiated payment', zh: '客户发起的付款' },
  merchantInitiated: { en: 'merchant-initiated (off-session) payment', zh: '商户自动扣款', avoid: ['离线扣款'] },
  autoRecharge: { en: 'auto-recharge', zh: '自动充值' },
  creditPurchase: { en: 'buying credits', zh: '购买额度', avoid: ['正在进行购买额度'] },
  topUp: { en: 'top-up', zh: '充值' },
  withdrawal: { en: 'withdrawal', zh: '提现' },
  statement: { en: 'statement', zh: '账单明细' },
  dispute: { en: 'dispute', zh: '争议' },
  provisionalCredit: { en: 'provisional credit', zh: '临时退款', avoid: ['临时贷记'] },
  chargeback: { en: 'chargeback', zh: '拒付' },
  authentication: { en: '3-D Secure authentication', zh: '3-D Secure 验证' },
  riskRule: { en: 'risk rule', zh: '风控规则' },
  sandbox: { en: 'sandbox', zh: '沙盒' },
  setUp: { en: 'set-up', zh: '准备', avoid: ['舞台'] },
} as const satisfies Record<string, Term>;

/**
 * Latin words a Chinese sentence may carry: names, and abbreviations a Chinese
 * reader of payment pages knows in this form. Anything else (an English word
 * such as "off-session", or a raw rule predicate) must be written in Chinese.
 */
export const LATIN_IN_CHINESE: ReadonlySet<string> = new Set([
  // Names of products, companies and schemes.
  'Cardlane', 'WildCard', 'Visa', 'Mastercard', 'Amex', 'UnionPay', 'Alipay', 'OpenAI', 'ChatGPT', 'Plus', 'Claude',
  'Poe', 'Stripe', 'Radar', 'App', 'Store', 'Google', 'Play', 'Apple',
  // Abbreviations used as they are in Chinese payment texts.
  'API', 'CVV2', 'CVC', 'AVS', 'KYC', 'SMS', 'ID', 'PIN', 'QR', 'PDF', 'CSV', 'ISO', 'MCC', 'BIN', 'PAR', 'CIT', 'MIT',
  'UTC', 'USD', 'CNY', 'EUR', 'GBP', 'JPY', 'HKD', 'SGD', 'MM', 'YY', 'HTTP', 'URL', 'D', 'Secure', '3-D', 'SCA',
  'AI', 'VPN', 'IP', 'JavaScript', 'Idempotency-Key',
  // Chinese writing about language models says token as it is.
  'token',
]);
