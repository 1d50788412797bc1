import { AcquirerError } from '../errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { listPage, parseListQuery, stripeList } from '../stripe/list.ts';
import { objectIdPattern } from '../stripe/object-ids.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { EARLY_FRAUD_WARNING_COLUMNS, earlyFraudWarningObject, type EarlyFraudWarningRow } from './early-fraud-warnings.ts';

const ID = objectIdPattern;

/** Stripe's `/v1/radar/early_fraud_warnings`: retrieve and list (newest first, by charge or payment intent). */
export function earlyFraudWarningEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  return [
    {
      method: 'GET',
      url: '/radar/early_fraud_warnings/:id',
      summary: 'Retrieve an early fraud warning',
      parse: (p) => ({ expand: p.expand() }),
      run: async (_input, call) => {
        const row = await deps.db.get<EarlyFraudWarningRow>(`SELECT ${EARLY_FRAUD_WARNING_COLUMNS} FROM acquirer_early_fraud_warnings WHERE id = ? AND merchant_id = ?`, [
          call.path.id!,
          call.merchant.id,
        ]);
        if (row === undefined) throw new AcquirerError('resource_missing', `No such early fraud warning: '${call.path.id}'`, { param: 'id' });
        return earlyFraudWarningObject(deps.db, row);
      },
    },
    {
      method: 'GET',
      url: '/radar/early_fraud_warnings',
      summary: 'List early fraud warnings, newest first',
      parse: (p) => ({
        query: parseListQuery(p),
        charge: p.string('charge', { pattern: ID('ch'), what: 'not a charge id' }),
        paymentIntent: p.string('payment_intent', { pattern: ID('pi'), what: 'not a payment intent id' }),
      }),
      run: async ({ query, charge, paymentIntent }, call) => {
        const where = ['merchant_id = ?'];
        const params: unknown[] = [call.merchant.id];
        if (charge !== undefined) (where.push('charge_id = ?'), params.push(charge));
        if (paymentIntent !== undefined) (where.push('payment_intent_id = ?'), params.push(paymentIntent));
        const page = await listPage<EarlyFraudWarningRow>(deps.db, { table: 'acquirer_early_fraud_warnings', columns: EARLY_FRAUD_WARNING_COLUMNS, where: where.join(' AND '), params, query });
        return stripeList('/v1/radar/early_fraud_warnings', await Promise.all(page.rows.map((row) => earlyFraudWarningObject(deps.db, row))), page.hasMore);
      },
    },
  ];
}
