import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { merchantBalanceAccount } from '../../src/acquirer/payments/acquirer-ledger.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Issue 20, item 5: /v1/balance and /v1/balance_transactions from the ledger,
// agreeing with it to the cent.

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
});
afterEach(async () => {
  await f.close();
});

async function allBalanceTransactions(stripe: Stripe): Promise<Stripe.BalanceTransaction[]> {
  const all: Stripe.BalanceTransaction[] = [];
  for await (const txn of stripe.balanceTransactions.list({ limit: 3 })) all.push(txn);
  return all;
}

/** The merchant's posted balance per currency, as the ledger holds it. */
async function ledgerBalance(currency: string): Promise<number> {
  const balance = await f.ledger.getBalance(f.db, merchantBalanceAccount(f.merchant.merchant.id, currency));
  return balance === null ? 0 : balance.credits_posted - balance.debits_posted;
}

async function assertAgreesWithLedger(stripe: Stripe): Promise<void> {
  const balance = await stripe.balance.retrieve();
  const txns = await allBalanceTransactions(stripe);
  for (const row of balance.available) {
    const ledger = await ledgerBalance(row.currency);
    assert.equal(row.amount, ledger, `available ${row.currency} is the ledger's balance`);
    const net = txns.filter((t) => t.currency === row.currency).reduce((sum, t) => sum + t.net, 0);
    assert.equal(net, ledger, `the ${row.currency} balance transactions net to the ledger's balance`);
  }
  assert.ok(balance.available.some((row) => row.currency === 'usd'), 'usd is always shown');
}

test('charges, a partial capture and refunds: the balance is the ledger’s; the balance transactions are its postings', async () => {
  const stripe = f.stripe;
  const empty = await stripe.balance.retrieve();
  assert.deepEqual(empty.available, [{ amount: 0, currency: 'usd', source_types: { card: 0 } }]);
  assert.equal(empty.object, 'balance');

  const paid = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
  const held = await stripe.paymentIntents.create({ amount: 4000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' });
  await stripe.paymentIntents.capture(held.id, { amount_to_capture: 3100 });
  const euro = await stripe.paymentIntents.create({ amount: 990, currency: 'eur', payment_method: 'pm_card_visa', confirm: true });
  const refund = await stripe.refunds.create({ payment_intent: paid.id, amount: 700 });
  await stripe.refunds.create({ payment_intent: euro.id });

  const balance = await stripe.balance.retrieve();
  assert.deepEqual(
    balance.available.map((row) => [row.currency, row.amount]),
    [['eur', 0], ['usd', 2500 + 3100 - 700]],
  );
  await assertAgreesWithLedger(stripe);

  const charge = (await stripe.paymentIntents.retrieve(paid.id)).latest_charge as string;
  const forCharge = await stripe.balanceTransactions.list({ source: charge });
  assert.equal(forCharge.data.length, 1);
  const txn = forCharge.data[0]!;
  assert.deepEqual(
    { type: txn.type, amount: txn.amount, fee: txn.fee, net: txn.net, currency: txn.currency, status: txn.status, reporting_category: txn.reporting_category, object: txn.object },
    { type: 'charge', amount: 2500, fee: 0, net: 2500, currency: 'usd', status: 'available', reporting_category: 'charge', object: 'balance_transaction' },
  );
  assert.equal(txn.available_on, txn.created);
  assert.match(txn.id, /^txn_[0-9A-Z]{26}$/);
  assert.deepEqual(await stripe.balanceTransactions.retrieve(txn.id), txn);

  const refunds = await stripe.balanceTransactions.list({ type: 'refund' });
  assert.equal(refunds.data.length, 2);
  const ofRefund = refunds.data.find((t) => t.source === refund.id)!;
  assert.deepEqual([ofRefund.amount, ofRefund.net, ofRefund.reporting_category], [-700, -700, 'refund']);
  assert.equal((await stripe.balanceTransactions.list({ currency: 'eur' })).data.length, 2);
  // Newest first, as every Stripe list.
  const ids = (await allBalanceTransactions(stripe)).map((t) => t.id);
  assert.deepEqual(ids, [...ids].sort().reverse());
  assert.equal(ids.length, 5);
});

test('balance transactions are the merchant’s own; unknown ids and filters are refused as at Stripe', async () => {
  await f.stripe.paymentIntents.create({ amount: 1200, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
  const [txn] = (await f.stripe.balanceTransactions.list()).data;
  const other = f.stripeFor((await f.addMerchant({ name: 'Other' })).secretKey);
  assert.deepEqual((await other.balanceTransactions.list()).data, []);
  assert.deepEqual((await other.balance.retrieve()).available, [{ amount: 0, currency: 'usd', source_types: { card: 0 } }]);
  await assert.rejects(other.balanceTransactions.retrieve(txn!.id), (e: any) => e.statusCode === 404 && e.code === 'resource_missing');
  await assert.rejects(f.stripe.balanceTransactions.list({ type: 'payout' }), (e: any) => e.statusCode === 400 && e.param === 'type');
  await assert.rejects(f.stripe.balanceTransactions.list({ expand: ['data.fee'] }), (e: any) => e.statusCode === 400 && e.param === 'expand');
  await assert.rejects(f.stripeFor(f.merchant.publishableKey).balance.retrieve(), (e: any) => e.statusCode === 403 || e.statusCode === 401);
});

test('any sequence of payments, captures and refunds: balance and balance transactions agree with the ledger to the cent', async () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('pay' as const), amount: fc.integer({ min: 50, max: 50_000 }), currency: fc.constantFrom('usd', 'eur') }),
    fc.record({ kind: fc.constant('hold' as const), amount: fc.integer({ min: 100, max: 50_000 }), capturePercent: fc.integer({ min: 1, max: 100 }) }),
    fc.record({ kind: fc.constant('refund' as const), percent: fc.integer({ min: 1, max: 100 }) }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
      const merchant = await f.addMerchant({ name: 'Property' });
      const stripe = f.stripeFor(merchant.secretKey);
      const paid: Array<{ id: string; left: number }> = [];
      for (const step of ops) {
        if (step.kind === 'pay') {
          const pi = await stripe.paymentIntents.create({ amount: step.amount, currency: step.currency, payment_method: 'pm_card_visa', confirm: true });
          paid.push({ id: pi.id, left: step.amount });
        } else if (step.kind === 'hold') {
          const pi = await stripe.paymentIntents.create({ amount: step.amount, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' });
          const captured = Math.max(1, Math.floor((step.amount * step.capturePercent) / 100));
          await stripe.paymentIntents.capture(pi.id, { amount_to_capture: captured });
          paid.push({ id: pi.id, left: captured });
        } else {
          const target = paid.find((p) => p.left > 0);
          if (target === undefined) continue;
          const amount = Math.max(1, Math.floor((target.left * step.percent) / 100));
          await stripe.refunds.create({ payment_intent: target.id, amount });
          target.left -= amount;
        }
      }
      const balance = await stripe.balance.retrieve();
      const txns = await allBalanceTransactions(stripe);
      for (const row of balance.available) {
        const account = await f.ledger.getBalance(f.db, merchantBalanceAccount(merchant.merchant.id, row.currency));
        assert.equal(row.amount, account === null ? 0 : account.credits_posted - account.debits_posted, 'the ledger’s balance');
        const net = txns.filter((t) => t.currency === row.currency).reduce((sum, t) => sum + t.net, 0);
        assert.equal(net, row.amount, 'the transactions net to it');
      }
      const totalLeft = paid.reduce((sum, p) => sum + p.left, 0);
      const totalAvailable = balance.available.reduce((sum, row) => sum + row.amount, 0);
      assert.equal(totalAvailable, totalLeft, 'what was captured and not refunded, to the cent');
    }),
    { numRuns: 6, seed: 20 },
  );
  await f.assertAudit();
});

test('/openapi.json describes the balance and balance transactions; live answers satisfy it', async () => {
  const doc = (await (await fetch(`${f.url}/openapi.json`)).json()) as any;
  const list = doc.paths['/v1/balance_transactions'].get;
  assert.ok(list.parameters.some((p: any) => p.in === 'query' && p.name === 'type' && p.schema.enum.includes('refund')));
  await f.stripe.paymentIntents.create({ amount: 1200, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
  const ajv = new Ajv({ strict: false });
  const check = (path: string, value: unknown) => {
    const validate = ajv.compile(toJsonSchema(doc.paths[path].get.responses['200'].content['application/json'].schema));
    assert.ok(validate(value), `${path}: ${JSON.stringify(validate.errors)}`);
  };
  check('/v1/balance', await f.stripe.balance.retrieve());
  const txns = await f.stripe.balanceTransactions.list();
  check('/v1/balance_transactions', txns);
  check('/v1/balance_transactions/{id}', await f.stripe.balanceTransactions.retrieve(txns.data[0]!.id));
});

/** OpenAPI 3.0's `nullable` as JSON Schema. */
function toJsonSchema(schema: any): any {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: any = {};
  for (const [key, value] of Object.entries(schema)) if (key !== 'nullable' && key !== 'description') out[key] = toJsonSchema(value);
  if (schema.nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}
