import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { registerEndpoints } from '../../platform/http/typed-route.ts';
import type { Ledger } from '../../ledger/index.ts';
import { IssuerError } from '../errors.ts';
import type { AlipaySandbox } from '../money/alipay-sandbox.ts';
import type { TopUpService } from '../money/top-up.ts';
import type { WithdrawalService } from '../money/withdrawal.ts';
import { alipayNotifyEndpoint } from './alipay-notify.ts';
import { issuerAuth } from './issuer-auth.ts';
import { moneyOperatorEndpoints } from './money-operator-endpoints.ts';
import { amountSchema, moneySettingsSchema, quoteSchema, statementEntrySchema, topUpSchema, walletSchema, withdrawalSchema } from './money-schemas.ts';
import { walletEndpoints } from './wallet-endpoints.ts';
import { walletPreviewEndpoints } from './wallet-preview-endpoints.ts';

export interface MoneyRoutesOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly ledger: Ledger;
  readonly topUps: TopUpService;
  readonly withdrawals: WithdrawalService;
  /** The sandbox behind `topUps`, for the operator's pay/fail/close controls. */
  readonly alipay: AlipaySandbox;
}

// Alipay's notifies are a few hundred bytes; anything near this is not one.
const NOTIFY_BODY_LIMIT_BYTES = 16 * 1024;
const NOTIFY_MAX_FIELDS = 64;

/**
 * The issuer's money API, mounted under `/issuer/v1`: the cardholder's USD
 * wallet (wallet-endpoints.ts), Alipay's asynchronous notify
 * (alipay-notify.ts), and the operator's settings and sandbox controls
 * (money-operator-endpoints.ts).
 */
export function moneyRoutes(options: MoneyRoutesOptions): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    for (const schema of [amountSchema, walletSchema, quoteSchema, topUpSchema, withdrawalSchema, statementEntrySchema, moneySettingsSchema]) app.addSchema(schema);

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

    const auth = issuerAuth(options.db, options.clock);
    registerEndpoints(app, [
      ...walletEndpoints(options, auth),
      ...walletPreviewEndpoints(options, auth),
      alipayNotifyEndpoint(options.topUps, options.clock),
      ...moneyOperatorEndpoints(options, auth),
    ]);
  };
}
