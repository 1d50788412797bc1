/** JSON schemas of the money API: Fastify validates and serializes with them, handlers are typed from them, and they become the OpenAPI document. */

import { STATEMENT_MAX_LIMIT, TRANSFER_KINDS } from '../money/statement.ts';
import { errorResponses, nullableTimestamp, timestamp } from './common-schemas.ts';

/** An amount with its currency, in integer minor units and as text for people. */
export const amountSchema = {
  $id: 'IssuerAmount',
  type: 'object',
  required: ['amount_minor', 'currency', 'formatted'],
  properties: {
    amount_minor: { type: 'integer', description: 'Integer minor units (cents, fen); negative for money out.' },
    currency: { type: 'string', description: 'ISO 4217, e.g. USD, CNY' },
    formatted: { type: 'string', description: 'e.g. "$137.50", "¥1,000.00"' },
  },
} as const;

const amount = { $ref: 'IssuerAmount#' } as const;

export const walletSchema = {
  $id: 'IssuerWallet',
  type: 'object',
  required: ['object', 'currency', 'available', 'pending', 'posted'],
  properties: {
    object: { type: 'string', enum: ['wallet'] },
    currency: { type: 'string', enum: ['USD'] },
    available: { ...amount, description: 'What can be spent or withdrawn now.' },
    pending: { ...amount, description: 'Held for payouts still running (withdrawals not yet settled).' },
    posted: { ...amount, description: 'Settled balance: available + pending.' },
  },
} as const;

export const quoteSchema = {
  $id: 'IssuerTopUpQuote',
  type: 'object',
  required: ['id', 'object', 'cny_amount', 'fee', 'rate', 'usd_amount', 'created_at', 'expires_at'],
  properties: {
    id: { type: 'string', description: 'tuq_…' },
    object: { type: 'string', enum: ['top_up_quote'] },
    cny_amount: { ...amount, description: 'To pay through Alipay.' },
    fee: { ...amount, description: 'Taken from the CNY amount before conversion.' },
    rate: { type: 'string', description: '"7.20" means 1 USD = 7.20 CNY.' },
    usd_amount: { ...amount, description: 'Credited to the wallet once paid.' },
    created_at: timestamp,
    expires_at: { ...timestamp, description: 'Turn it into an order (POST /wallet/top-ups) before this.' },
  },
} as const;

export const topUpSchema = {
  $id: 'IssuerTopUp',
  type: 'object',
  required: ['id', 'object', 'quote_id', 'status', 'cny_amount', 'fee', 'rate', 'usd_amount', 'pay_url', 'qr_payload', 'created_at', 'expires_at', 'credited_at', 'refunded_at'],
  properties: {
    id: { type: 'string', description: 'tuo_…; also Alipay’s out_trade_no' },
    object: { type: 'string', enum: ['top_up'] },
    quote_id: { type: 'string' },
    status: { type: 'string', enum: ['created', 'paid', 'credited', 'expired', 'closed', 'failed', 'refund_pending', 'refunded'] },
    cny_amount: amount,
    fee: amount,
    rate: { type: 'string' },
    usd_amount: amount,
    pay_url: { type: 'string', nullable: true, description: 'Alipay’s pay page.' },
    qr_payload: { type: 'string', nullable: true, description: 'Show as a QR code for the Alipay app.' },
    created_at: timestamp,
    expires_at: { ...timestamp, description: 'Unpaid after this, the order expires.' },
    credited_at: nullableTimestamp,
    refunded_at: nullableTimestamp,
  },
} as const;

export const withdrawalSchema = {
  $id: 'IssuerWithdrawal',
  type: 'object',
  required: ['id', 'object', 'status', 'amount', 'fee', 'payout', 'payout_cny', 'rate', 'failure_reason', 'created_at', 'paid_at', 'failed_at'],
  properties: {
    id: { type: 'string', description: 'wd_…' },
    object: { type: 'string', enum: ['withdrawal'] },
    status: { type: 'string', enum: ['pending', 'paid', 'failed'], description: 'failed: the money is back in the wallet.' },
    amount: { ...amount, description: 'Taken from the wallet: payout + fee.' },
    fee: amount,
    payout: { ...amount, description: 'Sent to Alipay, in USD.' },
    payout_cny: { ...amount, description: 'Sent to Alipay, in CNY at the rate.' },
    rate: { type: 'string' },
    failure_reason: { type: 'string', nullable: true },
    created_at: timestamp,
    paid_at: nullableTimestamp,
    failed_at: nullableTimestamp,
  },
} as const;

export const statementEntrySchema = {
  $id: 'IssuerStatementEntry',
  type: 'object',
  required: ['id', 'object', 'type', 'transfer_kind', 'card', 'status', 'amount', 'created_at', 'top_up_id', 'withdrawal_id', 'cny_amount', 'fee', 'rate', 'top_up_status'],
  properties: {
    id: { type: 'string', description: 'The ledger transfer id, or the top-up id for a top-up that never reached the wallet.' },
    object: { type: 'string', enum: ['statement_entry'] },
    type: { type: 'string', enum: ['top_up', 'withdrawal', 'withdrawal_fee', 'transfer'], description: 'Card moves, the card opening fee, refunds to the wallet and dispute credits are `transfer`; `transfer_kind` says which.' },
    transfer_kind: {
      type: 'string',
      nullable: true,
      enum: [...TRANSFER_KINDS, null],
      description:
        'For a `transfer`: `card_load` (wallet → card), `card_unload` (card → wallet), `card_close_sweep` (a closed card’s free balance back to the wallet), ' +
        '`card_fee` (the card opening fee), `merchant_refund` (a merchant’s refund of a card payment, credited to the wallet because the card had been closed), ' +
        '`dispute_provisional_credit` (a dispute’s temporary credit while the case is open), `dispute_credit` (the credit of a dispute the cardholder won without a temporary credit), ' +
        '`dispute_reversal` (a temporary credit taken back: the merchant won or the card network refused the chargeback); the dispute kinds are in the wallet when the disputed card was closed, ' +
        'and are named as on the card statement. Null for other entries, and for a transfer of another kind (new kinds may be added: treat an unknown one as null).',
    },
    card: {
      type: 'object',
      nullable: true,
      required: ['id', 'last4'],
      properties: { id: { type: 'string', description: 'card_…' }, last4: { type: 'string', nullable: true, description: 'The card’s last four digits.' } },
      description: 'The card a transfer was for (the refunded or disputed payment’s card for a refund or a dispute’s credit); null for other entries, or when it is not known.',
    },
    status: { type: 'string', enum: ['pending', 'settled', 'declined', 'reversed', 'refunded', 'expired'] },
    amount: { ...amount, description: 'Signed: + into the wallet, − out of it; zero for a top-up that moved nothing.' },
    created_at: timestamp,
    top_up_id: { type: 'string', nullable: true },
    withdrawal_id: { type: 'string', nullable: true },
    cny_amount: { anyOf: [amount, { type: 'null' }], description: 'Top-ups: paid through Alipay.' },
    fee: { anyOf: [amount, { type: 'null' }], description: 'Top-ups: the CNY fee taken before conversion.' },
    rate: { type: 'string', nullable: true },
    top_up_status: { type: 'string', nullable: true, description: 'Top-ups: the order’s own status.' },
  },
} as const;

const settingsProperties = {
  usd_cny_rate: { type: 'string', description: '"7.20" means 1 USD = 7.20 CNY; up to 6 decimals.' },
  top_up_fee_bps: { type: 'integer' },
  top_up_fee_min_cny_minor: { type: 'integer' },
  top_up_min_cny_minor: { type: 'integer' },
  top_up_max_cny_minor: { type: 'integer' },
  quote_validity_ms: { type: 'integer' },
  order_expiry_ms: { type: 'integer' },
  withdrawal_fee_bps: { type: 'integer' },
  withdrawal_fee_min_usd_minor: { type: 'integer' },
  withdrawal_min_usd_minor: { type: 'integer' },
  withdrawal_max_usd_minor: { type: 'integer' },
  dispute_provisional_credit: { type: 'integer', description: '1: disputes are credited at once (provisional credit), reversed if the merchant wins; 0: only when won.' },
} as const;

export const moneySettingsSchema = {
  $id: 'IssuerMoneySettings',
  type: 'object',
  required: Object.keys(settingsProperties),
  properties: settingsProperties,
} as const;

/**
 * The PATCH body: every property optional and typed loosely on purpose, so
 * that a wrong type or value reaches `updateMoneySettings` and is refused with
 * `setting_invalid` naming the setting, rather than coerced by the validator
 * (Fastify's ajv coerces "12" to 12).
 */
export const moneySettingsPatchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: Object.fromEntries(Object.keys(settingsProperties).map((name) => [name, { description: `See IssuerMoneySettings.${name}.` }])),
} as const;

export const settingChangeSchema = {
  type: 'object',
  required: ['name', 'value', 'changed_by', 'changed_at'],
  properties: { name: { type: 'string' }, value: { type: 'string' }, changed_by: { type: 'string' }, changed_at: timestamp },
} as const;

// --- Requests -----------------------------------------------------------------

export const moneyIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

export const quoteBody = {
  type: 'object',
  required: ['cny_amount'],
  additionalProperties: false,
  properties: { cny_amount: { type: 'integer', minimum: 1, maximum: 1_000_000_000, description: 'In fen: 100000 is ¥1,000.00.' } },
} as const;

export const topUpBody = { type: 'object', required: ['quote_id'], additionalProperties: false, properties: { quote_id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

export const withdrawalBody = {
  type: 'object',
  required: ['amount'],
  additionalProperties: false,
  properties: { amount: { type: 'integer', minimum: 1, maximum: 1_000_000_000, description: 'In cents, fee included.' } },
} as const;

export const statementQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: STATEMENT_MAX_LIMIT, default: 20 }, cursor: { type: 'string', maxLength: 512 } },
} as const;

/** Alipay's notify: form fields, all text. */
export const notifyBody = { type: 'object', additionalProperties: { type: 'string' } } as const;

export const sandboxTradeParams = { type: 'object', required: ['out_trade_no'], properties: { out_trade_no: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

// --- Responses ----------------------------------------------------------------

export const walletResponses = { 200: { $ref: 'IssuerWallet#' }, ...errorResponses } as const;
export const quoteResponses = { 201: { $ref: 'IssuerTopUpQuote#' }, ...errorResponses } as const;
export const topUpResponses = { 200: { $ref: 'IssuerTopUp#' }, ...errorResponses } as const;
export const withdrawalResponses = { 200: { $ref: 'IssuerWithdrawal#' }, ...errorResponses } as const;

export const statementResponses = {
  200: {
    type: 'object',
    required: ['object', 'data', 'has_more', 'next_cursor'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      data: { type: 'array', items: { $ref: 'IssuerStatementEntry#' } },
      has_more: { type: 'boolean' },
      next_cursor: { type: 'string', nullable: true },
    },
  },
  ...errorResponses,
} as const;

export const notifyResponses = { 200: { type: 'string', enum: ['success', 'fail'] } } as const;

/** GET and PATCH /operator/settings answer the same: the settings in force and their recent changes. */
export const settingsResponses = {
  200: {
    type: 'object',
    required: ['settings', 'history'],
    properties: { settings: { $ref: 'IssuerMoneySettings#' }, history: { type: 'array', items: settingChangeSchema } },
  },
  ...errorResponses,
} as const;

export const sandboxResponses = {
  200: {
    type: 'object',
    required: ['out_trade_no', 'action', 'notify_answer', 'top_up'],
    properties: {
      out_trade_no: { type: 'string' },
      action: { type: 'string', enum: ['pay', 'fail', 'close'] },
      notify_answer: { type: 'string', enum: ['success', 'fail'], description: 'What the issuer answered the notify.' },
      top_up: { $ref: 'IssuerTopUp#' },
    },
  },
  ...errorResponses,
} as const;
