import type { Database } from '../../platform/db/database.ts';
import { endpoint, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { IssuerError } from '../errors.ts';
import type { AlipaySandbox } from '../money/alipay-sandbox.ts';
import { getMoneySettings, updateMoneySettings } from '../money/settings.ts';
import { loadOrder } from '../money/top-up-store.ts';
import type { TopUpService } from '../money/top-up.ts';
import type { Clock } from '../../platform/clock.ts';
import { receiveNotify } from './alipay-notify.ts';
import { operatorKeyIdOf } from './auth.ts';
import { idempotencyHeaderSchema, runMutation } from './idempotent-route.ts';
import type { IssuerAuth } from './issuer-auth.ts';
import { settingsJson, topUpJson } from './money-presenters.ts';
import { moneySettingsPatchSchema, sandboxResponses, sandboxTradeParams, settingsResponses } from './money-schemas.ts';

export interface MoneyOperatorEndpointDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly topUps: TopUpService;
  /** The sandbox behind `topUps`, for the pay/fail/close controls. */
  readonly alipay: AlipaySandbox;
}

const TAG = ['issuer: operator'];

/** The operator's side of the money API, under `/issuer/v1`: the money settings, and the Alipay sandbox's controls. */
export function moneyOperatorEndpoints(deps: MoneyOperatorEndpointDeps, auth: IssuerAuth): AnyEndpoint[] {
  const { db, clock, topUps, alipay } = deps;

  const sandboxControl = (action: 'pay' | 'fail' | 'close') => {
    const what = { pay: 'the payer pays', fail: 'the payment fails', close: 'the payer closes the order unpaid' }[action];
    return endpoint({
      method: 'POST',
      url: `/operator/sandbox/alipay/:out_trade_no/${action}`,
      auth: auth.operator,
      schema: {
        tags: TAG,
        summary: `Sandbox Alipay: ${what}`,
        description: 'The sandbox then sends its signed notify to the issuer, which verifies and handles it as one arriving over HTTP.',
        params: sandboxTradeParams,
        response: sandboxResponses,
      },
      handler: async (request) => {
        const order = await loadOrder(db, request.params.out_trade_no);
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
        const { answer } = await receiveNotify(topUps, fields, request.log);
        return { out_trade_no: order.id, action, notify_answer: answer, top_up: topUpJson((await loadOrder(db, order.id))!) };
      },
    });
  };

  return [
    endpoint({
      method: 'GET',
      url: '/operator/settings',
      auth: auth.operator,
      schema: { tags: TAG, summary: 'Money settings in force, and their recent changes', response: settingsResponses },
      handler: async () => settingsJson(db, await getMoneySettings(db)),
    }),

    endpoint({
      method: 'PATCH',
      url: '/operator/settings',
      auth: auth.operator,
      schema: {
        tags: TAG,
        summary: 'Change the rate, fees or limits',
        description: 'All or nothing: one bad value refuses the whole change (400 setting_invalid, with param naming it). Quotes already given keep their terms. Every change is kept in the history.',
        headers: idempotencyHeaderSchema,
        body: moneySettingsPatchSchema,
        response: settingsResponses,
      },
      handler: async (request, reply) => {
        const actor = operatorKeyIdOf(request);
        const nowMs = clock.nowMs();
        return runMutation(db, request, reply, actor, nowMs, async (tx) => {
          const settings = await updateMoneySettings(tx, request.body, { actor, nowMs });
          return { status: 200, body: await settingsJson(tx, settings) };
        });
      },
    }),

    sandboxControl('pay'),
    sandboxControl('fail'),
    sandboxControl('close'),
  ];
}
