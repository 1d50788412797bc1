import { createHash, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { IssuerError } from '../errors.ts';
import { formatMoney, money } from '../../platform/money.ts';
import type { Ledger } from '../../ledger/ledger.ts';
import type { AlipaySandbox } from '../money/alipay-sandbox.ts';
import { walletAccountId } from '../money/ledger-accounts.ts';
import { getMoneySettings, listMoneySettingHistory, updateMoneySettings, type MoneySettings } from '../money/settings.ts';
import { STATEMENT_MAX_LIMIT, walletStatement, type StatementEntry } from '../money/statement.ts';
import { loadOrder } from '../money/top-up-store.ts';
import type { TopUpOrder, TopUpQuote, TopUpService } from '../money/top-up.ts';
import type { Withdrawal, WithdrawalService } from '../money/withdrawal.ts';
import { cardholderIdOf, CARDHOLDER_SECURITY, operatorKeyIdOf, OPERATOR_SECURITY, requireCardholder, requireOperator } from './auth.ts';
import { errorResponses } from './identity-schemas.ts';
import { IDEMPOTENCY_HEADER, idempotencyHeaderSchema, runMutation } from './idempotent-route.ts';
import {
  amountSchema,
  moneySettingsPatchSchema,
  moneySettingsSchema,
  quoteSchema,
  settingChangeSchema,
  statementEntrySchema,
  topUpSchema,
  walletSchema,
  withdrawalSchema,
} from './money-schemas.ts';

export interface MoneyRoutesOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly topUps: TopUpService;
  readonly withdrawals: WithdrawalService;
  /** The sandbox behind `topUps`, for the operator's pay/fail/close controls. */
  readonly alipay: AlipaySandbox;
}

const TAG = ['issuer: wallet'];
const OPERATOR_TAG = ['issuer: operator'];
// Alipay's notifies are a few hundred bytes; anything near this is not one.
const NOTIFY_BODY_LIMIT_BYTES = 16 * 1024;
const NOTIFY_MAX_FIELDS = 64;
const SETTINGS_HISTORY_SHOWN = 50;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

function amount(amountMinor: number, currency: string) {
  return { amount_minor: amountMinor, currency, formatted: formatMoney(money(amountMinor, currency)) };
}

/**
 * The issuer's money API, mounted under `/issuer/v1`: the cardholder's USD
 * wallet (balance, top-ups through Alipay in CNY, withdrawals, statement),
 * Alipay's asynchronous notify, and the operator's settings and sandbox
 * controls.
 *
 * Provider calls (creating an Alipay order, paying out) happen inside the
 * services, outside any database transaction, so these routes do not wrap
 * them in `runMutation`'s transaction; where a retry could repeat an effect
 * the service is idempotent on its own key instead (an order per quote, a
 * withdrawal per Idempotency-Key).
 */
export function moneyRoutes(options: MoneyRoutesOptions): FastifyPluginAsync {
  const { db, clock, ledger, topUps, withdrawals, alipay } = options;

  /** Verify → act, exactly as for a notify arriving over HTTP; the answer Alipay expects. */
  async function receiveNotify(fields: Readonly<Record<string, string>>, log: FastifyBaseLogger): Promise<{ answer: 'success' | 'fail'; order: TopUpOrder | null }> {
    try {
      const result = await topUps.handleNotify(fields);
      log.info({ out_trade_no: result.order?.id ?? null, outcome: result.outcome }, 'alipay notify handled');
      return { answer: result.ack ? 'success' : 'fail', order: result.order };
    } catch (error) {
      if (error instanceof AppError && error.code === 'notify_signature_invalid') {
        log.warn({ out_trade_no: typeof fields.out_trade_no === 'string' ? fields.out_trade_no.slice(0, 64) : null }, 'alipay notify refused: the signature does not verify');
      } else {
        // Alipay redelivers on anything but "success"; the next delivery may go through.
        log.error({ err: error }, 'alipay notify failed');
      }
      return { answer: 'fail', order: null };
    }
  }

  return async (app: FastifyInstance) => {
    for (const schema of [amountSchema, walletSchema, quoteSchema, topUpSchema, withdrawalSchema, statementEntrySchema, moneySettingsSchema]) app.addSchema(schema);
    const cardholderAuth = requireCardholder(db, clock);
    const operatorAuth = requireOperator(db);

    // Alipay posts its notify as a form; only this plugin's routes accept one.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: NOTIFY_BODY_LIMIT_BYTES }, (_request, body, done) => {
      const fields: Record<string, string> = {};
      let count = 0;
      for (const [name, value] of new URLSearchParams(body as string)) {
        if (++count > NOTIFY_MAX_FIELDS) return done(new IssuerError('body_invalid', 'Too many form fields.'), undefined);
        if (!Object.hasOwn(fields, name)) fields[name] = value;
      }
      done(null, fields);
    });

    app.get(
      '/wallet',
      {
        preHandler: cardholderAuth,
        schema: { tags: TAG, summary: 'The USD wallet balance', security: CARDHOLDER_SECURITY, response: { 200: { $ref: 'IssuerWallet#' }, ...errorResponses } },
      },
      async (request) => {
        const balance = await ledger.getBalance(db, walletAccountId(cardholderIdOf(request)));
        const available = balance?.available ?? 0;
        const pending = balance?.debits_pending ?? 0;
        return { object: 'wallet', currency: 'USD', available: amount(available, 'USD'), pending: amount(pending, 'USD'), posted: amount(available + pending, 'USD') };
      },
    );

    app.post(
      '/wallet/top-up-quotes',
      {
        preHandler: cardholderAuth,
        schema: {
          tags: TAG,
          summary: 'Price a top-up in CNY at today’s rate and fee',
          description: 'Needs approved KYC. The quote is honoured until it expires, whatever the operator changes meanwhile. A quote commits to nothing, so no Idempotency-Key is needed.',
          security: CARDHOLDER_SECURITY,
          body: {
            type: 'object',
            required: ['cny_amount'],
            additionalProperties: false,
            properties: { cny_amount: { type: 'integer', minimum: 1, maximum: 1_000_000_000, description: 'In fen: 100000 is ¥1,000.00.' } },
          },
          response: { 201: { $ref: 'IssuerTopUpQuote#' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { cny_amount } = request.body as { cny_amount: number };
        const quote = await topUps.quote(cardholderIdOf(request), cny_amount);
        reply.status(201);
        return quoteJson(quote);
      },
    );

    app.post(
      '/wallet/top-ups',
      {
        preHandler: cardholderAuth,
        schema: {
          tags: TAG,
          summary: 'Turn a quote into an Alipay order (pay URL and QR code)',
          description: 'Idempotent on the quote: asking again for the same quote returns the same order. The wallet is credited when Alipay’s signed notify arrives.',
          security: CARDHOLDER_SECURITY,
          body: { type: 'object', required: ['quote_id'], additionalProperties: false, properties: { quote_id: { type: 'string', minLength: 1, maxLength: 64 } } },
          response: { 200: { $ref: 'IssuerTopUp#' }, ...errorResponses },
        },
      },
      async (request) => {
        const { quote_id } = request.body as { quote_id: string };
        return topUpJson(await topUps.createOrder(cardholderIdOf(request), quote_id));
      },
    );

    app.get(
      '/wallet/top-ups/:id',
      {
        preHandler: cardholderAuth,
        schema: { tags: TAG, summary: 'A top-up', security: CARDHOLDER_SECURITY, params: idParams, response: { 200: { $ref: 'IssuerTopUp#' }, ...errorResponses } },
      },
      async (request) => {
        const order = await topUps.getOrder(cardholderIdOf(request), (request.params as { id: string }).id);
        if (!order) throw new IssuerError('resource_missing', 'No such top-up.', { param: 'id' });
        return topUpJson(order);
      },
    );

    app.post(
      '/wallet/withdrawals',
      {
        preHandler: cardholderAuth,
        schema: {
          tags: TAG,
          summary: 'Withdraw wallet USD to Alipay',
          description:
            'Needs approved KYC. The amount (fee included) is taken from the wallet; the payout is in CNY at the current rate. If the payout fails the money returns to the wallet. ' +
            'Send an Idempotency-Key: a retry with the same key returns the same withdrawal instead of paying out twice.',
          security: CARDHOLDER_SECURITY,
          headers: idempotencyHeaderSchema,
          body: {
            type: 'object',
            required: ['amount'],
            additionalProperties: false,
            properties: { amount: { type: 'integer', minimum: 1, maximum: 1_000_000_000, description: 'In cents, fee included.' } },
          },
          response: { 200: { $ref: 'IssuerWithdrawal#' }, ...errorResponses },
        },
      },
      async (request) => {
        const cardholderId = cardholderIdOf(request);
        const { amount: amountUsdMinor } = request.body as { amount: number };
        const key = request.headers[IDEMPOTENCY_HEADER];
        if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 255)) {
          throw new IssuerError('parameter_invalid', 'An Idempotency-Key is 1 to 255 characters.', { param: 'Idempotency-Key' });
        }
        const requestId = key === undefined ? `auto:${randomUUID()}` : requestIdFor(key);
        const withdrawal = await withdrawals.withdraw({ cardholderId, amountUsdMinor, requestId });
        if (withdrawal.amount_usd_minor !== amountUsdMinor) throw new IssuerError('idempotency_key_reused');
        return withdrawalJson(withdrawal);
      },
    );

    app.get(
      '/wallet/withdrawals/:id',
      {
        preHandler: cardholderAuth,
        schema: { tags: TAG, summary: 'A withdrawal', security: CARDHOLDER_SECURITY, params: idParams, response: { 200: { $ref: 'IssuerWithdrawal#' }, ...errorResponses } },
      },
      async (request) => {
        const withdrawal = await withdrawals.get(cardholderIdOf(request), (request.params as { id: string }).id);
        if (!withdrawal) throw new IssuerError('resource_missing', 'No such withdrawal.', { param: 'id' });
        return withdrawalJson(withdrawal);
      },
    );

    app.get(
      '/wallet/statement',
      {
        preHandler: cardholderAuth,
        schema: {
          tags: TAG,
          summary: 'Every movement of the wallet, newest first',
          description:
            'Top-ups (credited, pending, expired, declined, refunded), withdrawals and their fees (pending, settled, or reversed when the payout failed), and card moves. ' +
            'Page with `cursor` = the previous page’s `next_cursor`.',
          security: CARDHOLDER_SECURITY,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { limit: { type: 'integer', minimum: 1, maximum: STATEMENT_MAX_LIMIT, default: 20 }, cursor: { type: 'string', maxLength: 512 } },
          },
          response: {
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
          },
        },
      },
      async (request) => {
        const query = request.query as { limit?: number; cursor?: string };
        const page = await walletStatement(db, ledger, cardholderIdOf(request), { limit: query.limit ?? 20, cursor: query.cursor ?? null });
        return { object: 'list', data: page.data.map(entryJson), has_more: page.has_more, next_cursor: page.next_cursor };
      },
    );

    app.post(
      '/alipay/notify',
      {
        schema: {
          tags: ['issuer: provider callbacks'],
          summary: 'Alipay’s asynchronous trade notify',
          description:
            'Form-encoded, signed by Alipay (RSA2). Answers `success` once handled (Alipay then stops redelivering) and `fail` otherwise; a notify whose signature does not verify changes nothing. ' +
            'Delivered any number of times, the wallet is credited once.',
          consumes: ['application/x-www-form-urlencoded'],
          body: { type: 'object', additionalProperties: { type: 'string' } },
          produces: ['text/plain'],
          response: { 200: { type: 'string', enum: ['success', 'fail'] } },
        },
      },
      async (request, reply) => {
        const { answer } = await receiveNotify(request.body as Record<string, string>, request.log);
        return reply.type('text/plain; charset=utf-8').send(answer);
      },
    );

    app.get(
      '/operator/settings',
      {
        preHandler: operatorAuth,
        schema: {
          tags: OPERATOR_TAG,
          summary: 'Money settings in force, and their recent changes',
          security: OPERATOR_SECURITY,
          response: {
            200: {
              type: 'object',
              required: ['settings', 'history'],
              properties: { settings: { $ref: 'IssuerMoneySettings#' }, history: { type: 'array', items: settingChangeSchema } },
            },
            ...errorResponses,
          },
        },
      },
      async () => settingsJson(db, await getMoneySettings(db)),
    );

    app.patch(
      '/operator/settings',
      {
        preHandler: operatorAuth,
        schema: {
          tags: OPERATOR_TAG,
          summary: 'Change the rate, fees or limits',
          description: 'All or nothing: one bad value refuses the whole change (400 setting_invalid, with param naming it). Quotes already given keep their terms. Every change is kept in the history.',
          security: OPERATOR_SECURITY,
          headers: idempotencyHeaderSchema,
          body: moneySettingsPatchSchema,
          response: {
            200: {
              type: 'object',
              required: ['settings', 'history'],
              properties: { settings: { $ref: 'IssuerMoneySettings#' }, history: { type: 'array', items: settingChangeSchema } },
            },
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const actor = operatorKeyIdOf(request);
        const nowMs = clock.nowMs();
        return runMutation(db, request, reply, actor, nowMs, async (tx) => {
          const settings = await updateMoneySettings(tx, request.body as Record<string, unknown>, { actor, nowMs });
          return { status: 200, body: await settingsJson(tx, settings) };
        });
      },
    );

    for (const action of ['pay', 'fail', 'close'] as const) {
      const what = { pay: 'the payer pays', fail: 'the payment fails', close: 'the payer closes the order unpaid' }[action];
      app.post(
        `/operator/sandbox/alipay/:out_trade_no/${action}`,
        {
          preHandler: operatorAuth,
          schema: {
            tags: OPERATOR_TAG,
            summary: `Sandbox Alipay: ${what}`,
            description: 'The sandbox then sends its signed notify to the issuer, which verifies and handles it as one arriving over HTTP.',
            security: OPERATOR_SECURITY,
            params: { type: 'object', required: ['out_trade_no'], properties: { out_trade_no: { type: 'string', minLength: 1, maxLength: 64 } } },
            response: {
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
            },
          },
        },
        async (request) => {
          const { out_trade_no } = request.params as { out_trade_no: string };
          const order = await loadOrder(db, out_trade_no);
          if (!order) throw new IssuerError('resource_missing', 'No such top-up order.', { param: 'out_trade_no' });
          // The sandbox keeps trades in memory; after a restart it re-learns an open order from the issuer.
          if (alipay.tradeStatus(order.id) === null && order.status === 'created' && order.provider_trade_no !== null) {
            alipay.adopt(order.id, order.provider_trade_no, order.cny_amount_minor);
          }
          let fields: Readonly<Record<string, string>>;
          try {
            fields = action === 'pay' ? alipay.pay(order.id) : action === 'fail' ? alipay.fail(order.id) : alipay.close(order.id);
          } catch (error) {
            throw new IssuerError('resource_conflict', `The sandbox refused: ${(error as Error).message.replace(/^alipay sandbox: /, '')}.`, { param: 'out_trade_no' });
          }
          const { answer } = await receiveNotify(fields, request.log);
          return { out_trade_no: order.id, action, notify_answer: answer, top_up: topUpJson((await loadOrder(db, order.id))!) };
        },
      );
    }
  };
}

/** The withdrawal's request id from an Idempotency-Key: as is when it fits, else a digest of it. */
function requestIdFor(key: string): string {
  return REQUEST_ID_PATTERN.test(key) ? key : `k:${createHash('sha256').update(key).digest('base64url')}`;
}

function quoteJson(q: TopUpQuote) {
  return {
    id: q.id,
    object: 'top_up_quote',
    cny_amount: amount(q.cny_amount_minor, 'CNY'),
    fee: amount(q.fee_cny_minor, 'CNY'),
    rate: q.rate,
    usd_amount: amount(q.usd_amount_minor, 'USD'),
    created_at: iso(q.created_at_ms),
    expires_at: iso(q.expires_at_ms),
  };
}

function topUpJson(o: TopUpOrder) {
  return {
    id: o.id,
    object: 'top_up',
    quote_id: o.quote_id,
    status: o.status,
    cny_amount: amount(o.cny_amount_minor, 'CNY'),
    fee: amount(o.fee_cny_minor, 'CNY'),
    rate: o.rate,
    usd_amount: amount(o.usd_amount_minor, 'USD'),
    pay_url: o.pay_url,
    qr_payload: o.qr_payload,
    created_at: iso(o.created_at_ms),
    expires_at: iso(o.expires_at_ms),
    credited_at: isoOrNull(o.credited_at_ms),
    refunded_at: isoOrNull(o.refunded_at_ms),
  };
}

function withdrawalJson(w: Withdrawal) {
  return {
    id: w.id,
    object: 'withdrawal',
    status: w.status,
    amount: amount(w.amount_usd_minor, 'USD'),
    fee: amount(w.fee_usd_minor, 'USD'),
    payout: amount(w.payout_usd_minor, 'USD'),
    payout_cny: amount(w.payout_cny_minor, 'CNY'),
    rate: w.rate,
    failure_reason: w.failure_reason,
    created_at: iso(w.created_at_ms),
    paid_at: isoOrNull(w.paid_at_ms),
    failed_at: isoOrNull(w.failed_at_ms),
  };
}

function entryJson(e: StatementEntry) {
  return {
    id: e.id,
    object: 'statement_entry',
    type: e.type,
    status: e.status,
    amount: amount(e.amount_minor, e.currency),
    created_at: iso(e.at_ms),
    top_up_id: e.top_up_order_id,
    withdrawal_id: e.withdrawal_id,
    cny_amount: e.cny_amount_minor === null ? null : amount(e.cny_amount_minor, 'CNY'),
    fee: e.fee_cny_minor === null ? null : amount(e.fee_cny_minor, 'CNY'),
    rate: e.rate,
    top_up_status: e.order_status,
  };
}

async function settingsJson(sql: Database | Parameters<typeof listMoneySettingHistory>[0], settings: MoneySettings) {
  const history = await listMoneySettingHistory(sql, { limit: SETTINGS_HISTORY_SHOWN });
  return { settings, history: history.map((h) => ({ name: h.name, value: h.value, changed_by: h.changed_by, changed_at: iso(h.changed_at_ms) })) };
}
