import type { Sql } from '../../platform/db/database.ts';
import { earlyFraudWarningMayHaveChanged, warningActionable } from '../disputes/early-fraud-warnings.ts';
import { AcquirerError, noSuchObject } from '../errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { recordEvent } from '../events/events.ts';
import { listPage, parseListQuery, stripeList } from '../stripe/list.ts';
import { updateMetadata } from '../stripe/params.ts';
import type { StripeCall, StripeEndpoint } from '../stripe/route.ts';
import { bookRefund } from './acquirer-ledger.ts';
import { chargeObject } from './charge-object.ts';
import { REFUND_COLUMNS, REFUND_READ_COLUMNS, refundObject } from './refund-objects.ts';
import { CHARGE_COLUMNS, chargeFromRow, findCharge, saveCharge } from './charge-store.ts';
import { requirePaymentIntent } from './payment-intent-store.ts';
import { requireCustomer } from '../customers/customers.ts';
import { objectIdPattern } from '../stripe/object-ids.ts';

/**
 * Refunds, full or partial, several per charge up to what was captured.
 * The amount is reserved on the charge (under its row lock) before the
 * network is asked, so two concurrent refunds can never together exceed the
 * capture; a refund the issuer refuses gives its reservation back. A refund
 * the network could not take now stays `pending` and its retry (same message
 * id) is a repeat at the issuer.
 */

const ID = objectIdPattern;
async function getRefund(sql: Sql, merchantId: string, id: string): Promise<any> {
  const row = await sql.get(`SELECT ${REFUND_READ_COLUMNS} FROM acquirer_refunds WHERE id = ? AND merchant_id = ?`, [id, merchantId]);
  if (row === undefined) throw new AcquirerError('resource_missing', `No such refund: '${id}'`, { param: 'id' });
  return row;
}

interface PendingRefund {
  readonly id: string;
  readonly chargeId: string;
  readonly networkOriginalId: string;
  readonly amountMinor: number;
  readonly currency: string;
}

/**
 * Sends a pending refund to the network (its id is the message id, so a
 * resend is a repeat the issuer answers once) and records the answer: on
 * success the money moves in the acquirer's book; on a refusal the amount
 * reserved on the charge is given back; on 91/96 it stays pending for the
 * sweep. The status changes only from `pending`, under the charge's lock, so
 * the request and the sweep can never both apply an answer.
 */
async function sendRefund(deps: AcquirerDeps, merchantId: string, refund: PendingRefund, nowMs: number): Promise<'succeeded' | 'failed' | 'pending'> {
  const answer = await deps.network.refund({
    type: 'refund',
    id: refund.id,
    originalId: refund.networkOriginalId,
    amount: { minor: refund.amountMinor, currency: refund.currency.toUpperCase() },
    sentAtMs: deps.clock.nowMs(),
  });
  if (answer.responseCode === '91' || answer.responseCode === '96') return 'pending';
  const status = answer.responseCode === '00' ? 'succeeded' : 'failed';
  await deps.db.transaction(async (tx) => {
    const charge = (await findCharge(tx, merchantId, refund.chargeId, { lock: true }))!;
    const changed = await tx.run(`UPDATE acquirer_refunds SET status = ?, failure_reason = ? WHERE id = ? AND status = 'pending'`, [
      status,
      status === 'failed' ? answer.reason : null,
      refund.id,
    ]);
    if (changed === 0) return;
    const events = { ids: deps.ids, nowMs };
    await recordEvent(tx, events, { merchantId, type: 'refund.updated', object: refundObject(await getRefund(tx, merchantId, refund.id)), previousAttributes: { status: 'pending' } });
    if (status === 'succeeded') {
      await bookRefund(deps.ledger, tx, { merchantId, currency: charge.currency, amountMinor: refund.amountMinor, refundId: refund.id, chargeId: charge.id });
      await recordEvent(tx, events, { merchantId, type: 'charge.refunded', object: await chargeObject(tx, charge) });
    } else {
      await saveCharge(tx, { ...charge, amountRefundedMinor: charge.amountRefundedMinor - refund.amountMinor });
      await recordEvent(tx, { ids: deps.ids, nowMs }, { merchantId, type: 'refund.failed', object: refundObject(await getRefund(tx, merchantId, refund.id)) });
    }
  });
  return status;
}

/** Re-sends refunds the network could not take when they were made (older than `olderThanMs`); returns how many got an answer. */
export async function resendPendingRefunds(deps: AcquirerDeps, nowMs: number, olderThanMs: number, limit = 100): Promise<number> {
  const rows = await deps.db.all<{ id: string; merchant_id: string; charge_id: string; network_id: string; amount_minor: number | string; currency: string }>(
    `SELECT r.id, r.merchant_id, r.charge_id, ch.network_id, r.amount_minor, r.currency
     FROM acquirer_refunds r JOIN acquirer_charges ch ON ch.id = r.charge_id
     WHERE r.status = 'pending' AND r.created_at_ms <= ? ORDER BY r.id LIMIT ?`,
    [nowMs - olderThanMs, limit],
  );
  let answered = 0;
  for (const row of rows) {
    const refund = { id: row.id, chargeId: row.charge_id, networkOriginalId: row.network_id, amountMinor: Number(row.amount_minor), currency: row.currency };
    if ((await sendRefund(deps, row.merchant_id, refund, nowMs)) !== 'pending') answered += 1;
  }
  return answered;
}

export function refundEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  /** Sends a reserved refund if it is still pending and answers it as it now stands. */
  const finishRefund = async (refundId: string, call: StripeCall) => {
    const row = await getRefund(deps.db, call.merchant.id, refundId);
    if (row.status !== 'pending') return refundObject(row);
    const charge = (await findCharge(deps.db, call.merchant.id, row.charge_id))!;
    const refund = { id: row.id, chargeId: charge.id, networkOriginalId: charge.networkId, amountMinor: Number(row.amount_minor), currency: row.currency };
    await sendRefund(deps, call.merchant.id, refund, call.nowMs);
    return refundObject(await getRefund(deps.db, call.merchant.id, refundId));
  };
  return [
    {
      method: 'POST',
      url: '/refunds',
      summary: 'Refund a captured payment, in full or in part',
      parse: (p) => {
        const paymentIntent = p.string('payment_intent', { pattern: ID('pi'), what: 'not a payment intent id' });
        const charge = p.string('charge', { pattern: ID('ch'), what: 'not a charge id' });
        if (paymentIntent === undefined && charge === undefined) throw new AcquirerError('parameter_missing', 'One of the following params should be provided for this request: payment_intent or charge.', { param: 'payment_intent' });
        return {
          paymentIntent,
          charge,
          amount: p.integer('amount', { min: 1, max: 99_999_999 }),
          reason: p.enumOf('reason', ['duplicate', 'fraudulent', 'requested_by_customer']) ?? null,
          metadata: updateMetadata({}, p.metadata()),
          expand: p.expand(),
        };
      },
      run: async (input, call) => {
        const reserved = await deps.db.transaction(async (tx) => {
          let chargeId = input.charge;
          if (input.paymentIntent !== undefined) {
            const pi = await requirePaymentIntent(tx, call.merchant.id, input.paymentIntent, { param: 'payment_intent' });
            if (pi.status !== 'succeeded' || pi.latestChargeId === null) {
              throw new AcquirerError('charge_already_refunded', `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, { param: 'payment_intent' });
            }
            chargeId = pi.latestChargeId;
          }
          const charge = await findCharge(tx, call.merchant.id, chargeId!, { lock: true });
          if (charge === undefined) throw noSuchObject(`No such charge: '${chargeId}'`, 'charge');
          // A disputed charge's money is the chargeback's: refunding it too would pay the cardholder twice (Stripe refuses it the same way).
          // An inquiry moves no money, and Stripe lets the merchant refund while it is open (the dispute's `is_charge_refundable`).
          const dispute = await tx.get<{ kind: string; status: string }>(`SELECT kind, status FROM acquirer_disputes WHERE charge_id = ?`, [charge.id]);
          if (dispute !== undefined && dispute.kind === 'chargeback') {
            throw new AcquirerError('charge_disputed', `Charge ${charge.id} has been charged back; it cannot be refunded.`, { param: 'charge' });
          }
          const remaining = charge.amountCapturedMinor - charge.amountRefundedMinor;
          if (charge.amountCapturedMinor === 0) throw new AcquirerError('charge_already_refunded', `Charge ${charge.id} has not been captured; cancel its PaymentIntent instead.`, { param: 'charge' });
          if (remaining === 0) throw new AcquirerError('charge_already_refunded', `Charge ${charge.id} has already been refunded.`, { param: 'charge' });
          const amount = input.amount ?? remaining;
          if (amount > remaining) {
            throw new AcquirerError('amount_too_large', `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`, { param: 'amount' });
          }
          const warned = await warningActionable(tx, charge.id);
          await saveCharge(tx, { ...charge, amountRefundedMinor: charge.amountRefundedMinor + amount });
          await earlyFraudWarningMayHaveChanged(tx, deps, call.nowMs, charge.id, warned);
          const id = deps.ids.next('re');
          await tx.run(`INSERT INTO acquirer_refunds (${REFUND_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
            id, call.merchant.id, charge.id, charge.paymentIntentId, amount, charge.currency, 'pending', input.reason, id, null,
            JSON.stringify(input.metadata), call.nowMs,
          ]);
          // Created means reserved: the event goes with the row, and the outcome follows as refund.updated.
          await recordEvent(tx, { ids: deps.ids, nowMs: call.nowMs }, { merchantId: call.merchant.id, type: 'refund.created', object: refundObject(await getRefund(tx, call.merchant.id, id)) });
          await call.recovery.record(tx, id);
          return id;
        });
        return finishRefund(reserved, call);
      },
      // The refund was reserved (and may have reached the network) before the cut: send it again (a repeat at the issuer) and answer it.
      resume: (_input, call, refundId) => finishRefund(refundId, call),
    },
    {
      method: 'GET',
      url: '/refunds/:id',
      summary: 'Retrieve a refund',
      parse: (p) => ({ expand: p.expand() }),
      run: async (_input, call) => refundObject(await getRefund(deps.db, call.merchant.id, call.path.id!)),
    },
    {
      method: 'GET',
      url: '/refunds',
      summary: 'List refunds, newest first',
      parse: (p) => ({
        query: parseListQuery(p),
        paymentIntent: p.string('payment_intent', { pattern: ID('pi'), what: 'not a payment intent id' }),
        charge: p.string('charge', { pattern: ID('ch'), what: 'not a charge id' }),
      }),
      run: async ({ query, paymentIntent, charge }, call) => {
        // A charge that is missing or another merchant's is Stripe's 400 resource_missing (its list documents it: "If you provide
        // a non-existent charge ID, this call throws an error"), not an empty list that reads "never refunded". A missing
        // payment_intent still lists nothing: Stripe documents no error for it.
        if (charge !== undefined && (await findCharge(deps.db, call.merchant.id, charge)) === undefined) {
          throw noSuchObject(`No such charge: '${charge}'`, 'charge');
        }
        let where = 'merchant_id = ?';
        const params: unknown[] = [call.merchant.id];
        for (const [column, value] of [['payment_intent_id', paymentIntent], ['charge_id', charge]] as const) {
          if (value === undefined) continue;
          where += ` AND ${column} = ?`;
          params.push(value);
        }
        const page = await listPage<any>(deps.db, { table: 'acquirer_refunds', columns: REFUND_READ_COLUMNS, where, params, query });
        return stripeList('/v1/refunds', page.rows.map(refundObject), page.hasMore);
      },
    },
    {
      method: 'GET',
      url: '/charges/:id',
      summary: 'Retrieve a charge',
      parse: (p) => ({ expand: p.expand() }),
      run: async ({ expand }, call) => {
        const charge = await findCharge(deps.db, call.merchant.id, call.path.id!);
        if (charge === undefined) throw new AcquirerError('resource_missing', `No such charge: '${call.path.id}'`, { param: 'id' });
        return chargeObject(deps.db, charge, expand);
      },
    },
    {
      method: 'GET',
      url: '/charges',
      summary: 'List charges, newest first',
      parse: (p) => ({
        query: parseListQuery(p),
        paymentIntent: p.string('payment_intent', { pattern: ID('pi'), what: 'not a payment intent id' }),
        customer: p.string('customer', { pattern: ID('cus'), what: 'not a customer id' }),
      }),
      run: async ({ query, paymentIntent, customer }, call) => {
        // A customer that is missing, deleted or another merchant's is Stripe's 400 resource_missing (its list documents it:
        // "If you provide a non-existent customer ID, this call throws an error"), not an empty list that reads "never charged".
        // A missing payment_intent still lists nothing: Stripe documents no error for it.
        if (customer !== undefined) await requireCustomer(deps.db, call.merchant.id, customer, 'customer');
        // A set-up's card verification is no charge at Stripe: it stays retrievable as the set-up's attempt, but is not listed.
        let where = "merchant_id = ? AND purpose = 'purchase'";
        const params: unknown[] = [call.merchant.id];
        for (const [column, value] of [['payment_intent_id', paymentIntent], ['customer_id', customer]] as const) {
          if (value === undefined) continue;
          where += ` AND ${column} = ?`;
          params.push(value);
        }
        const page = await listPage<any>(deps.db, { table: 'acquirer_charges', columns: CHARGE_COLUMNS, where, params, query });
        return stripeList('/v1/charges', await Promise.all(page.rows.map((row) => chargeObject(deps.db, chargeFromRow(row)))), page.hasMore);
      },
    },
  ];
}
