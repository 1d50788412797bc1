import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import type { Clock } from '../../platform/clock.ts';
import { OPERATOR_SECURITY, requireOperator } from '../../platform/identity/operator-auth.ts';
import type { OperatorKeyStore } from '../../platform/identity/operator-keys.ts';
import { isCurrencyCode } from '../../platform/money.ts';
import { countryCodeProblem, isCountryCode } from '../../platform/countries.ts';
import { createMerchant, type MerchantWithKeys } from './merchants.ts';

/**
 * Merchants as data (issue 16): the operator of this Cardlane makes a
 * merchant — name, country, MCC, settlement currency — and gets its API
 * keys, with which it takes payments through the `stripe` SDK at once.
 * Operator key only (`Authorization: Bearer op_…`, as `cardlane up`
 * writes it). The secret key is in this answer and nowhere else: only its
 * hash is kept, so it cannot be shown again. Each call makes a new
 * merchant (no idempotency key: a retried call makes a second one, which
 * the operator can simply not use).
 */

export interface MerchantOperatorDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly random: RandomSource;
  readonly operatorKeys: OperatorKeyStore;
  /** The currencies this acquirer settles in (config `acquirer.settlementCurrencies`), lower case. */
  readonly settlementCurrencies: readonly string[];
}

interface CreateBody {
  name: string;
  country: string;
  mcc: string;
  /** The settlement currency; `currency` is its older name, still accepted (one of the two). */
  settlement_currency?: string;
  currency?: string;
  statement_descriptor?: string;
}

const TAG = ['Acquirer operator'];

export function merchantOperatorRoutes(deps: MerchantOperatorDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: CreateBody }>(
      '/merchants',
      {
        preHandler: requireOperator(deps.db, deps.operatorKeys),
        schema: {
          tags: TAG,
          summary: "Operator: create a merchant and its API keys (the secret key is shown in this answer only)",
          security: OPERATOR_SECURITY,
          body: {
            type: 'object',
            required: ['name', 'country', 'mcc'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 100 },
              country: { type: 'string', minLength: 2, maxLength: 2 },
              mcc: { type: 'string', pattern: '^[0-9]{4}$' },
              settlement_currency: { type: 'string', minLength: 3, maxLength: 3, description: 'What the merchant is paid out in (ISO 4217), one of the acquirer\'s settlement currencies' },
              currency: { type: 'string', minLength: 3, maxLength: 3, description: 'The settlement currency\'s older name' },
              statement_descriptor: { type: 'string', minLength: 1, maxLength: 22 },
            },
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const name = body.name.trim();
        if (name === '') throw new AppError('parameter_invalid', 'Invalid name: must not be blank.', { param: 'name' });
        refuseUnprintable(name, 'name');
        if (body.statement_descriptor !== undefined) refuseUnprintable(body.statement_descriptor, 'statement_descriptor');
        const country = body.country.toUpperCase();
        if (!isCountryCode(country)) throw new AppError('parameter_invalid', `Invalid country: ${countryCodeProblem(body.country)}`, { param: 'country' });
        const currency = settlementCurrencyOf(body, deps.settlementCurrencies);
        const statementDescriptor = body.statement_descriptor?.trim();
        const created = await deps.db.transaction((tx) =>
          createMerchant(tx, { ids: deps.ids, random: deps.random, nowMs: deps.clock.nowMs() }, {
            name,
            country,
            mcc: body.mcc,
            defaultCurrency: currency.toLowerCase(),
            ...(statementDescriptor ? { statementDescriptor } : {}),
          }),
        );
        reply.code(201);
        return merchantObject(created);
      },
    );
  };
}

/**
 * The merchant's settlement currency, from `settlement_currency` (or its
 * older name `currency`, not both): an ISO 4217 code, and one this acquirer
 * settles in — a merchant paid out in a currency the acquirer cannot settle
 * would have a balance nobody can pay. Upper case, as the money table has it.
 */
function settlementCurrencyOf(body: CreateBody, supported: readonly string[]): string {
  if (body.settlement_currency !== undefined && body.currency !== undefined) {
    throw new AppError('parameter_invalid', 'Pass settlement_currency or currency (its older name), not both.', { param: 'currency' });
  }
  const param = body.settlement_currency !== undefined ? 'settlement_currency' : 'currency';
  const given = body.settlement_currency ?? body.currency;
  if (given === undefined) throw new AppError('parameter_missing', 'Missing required param: settlement_currency.', { param: 'settlement_currency' });
  const currency = given.toUpperCase();
  if (!isCurrencyCode(currency)) throw new AppError('parameter_invalid', `Invalid ${param}: ${JSON.stringify(given)} is not an ISO 4217 currency Cardlane knows.`, { param });
  if (!supported.includes(currency.toLowerCase())) {
    throw new AppError('parameter_invalid', `Invalid ${param}: this acquirer does not settle in ${currency.toLowerCase()}; it settles in ${supported.join(', ')}.`, { param });
  }
  return currency;
}

/**
 * A merchant's name and descriptor reach cardholders' statements, SMS and the
 * CLI's terminal output, and the network's messages: a control character (a
 * line break, an ANSI escape) or a bidirectional override (which makes
 * "Evil\u202eliaM" read as another merchant) has no place in them.
 */
const UNPRINTABLE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

function refuseUnprintable(value: string, param: string): void {
  if (UNPRINTABLE.test(value)) throw new AppError('parameter_invalid', `Invalid ${param}: must not contain control characters or text-direction overrides.`, { param });
}

function merchantObject({ merchant, secretKey, publishableKey }: MerchantWithKeys) {
  return {
    id: merchant.id,
    object: 'acquirer.merchant',
    name: merchant.name,
    country: merchant.country,
    mcc: merchant.mcc,
    default_currency: merchant.defaultCurrency,
    settlement_currency: merchant.defaultCurrency,
    statement_descriptor: merchant.statementDescriptor,
    created: Math.floor(merchant.createdAtMs / 1000),
    secret_key: secretKey,
    publishable_key: publishableKey,
  };
}
