import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { auditAcquirerDisputes } from '../../src/acquirer/disputes/dispute-ledger.ts';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestLocation } from '../support/databases.ts';

// An inquiry (Stripe's `warning_needs_response`) moves no money, and Stripe lets
// the merchant refund the payment while it is open — the dispute object says so
// (`is_charge_refundable: true`), and a refund is how most merchants answer one.
// A chargeback's charge stays unrefundable (`charge_disputed`).

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-inquiry-refund-'));
const location = newTestLocation();
const clock = new ManualClock(Date.UTC(2026, 2, 1));
let cardlane: Cardlane;
let stripe: Stripe;
let ledger: Ledger;

before(async () => {
  cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, clock, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  const port = Number(new URL(cardlane.url).port);
  stripe = new Stripe(cardlane.demoMerchant.secret_key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  ledger = new Ledger(clock);
});

after(async () => {
  await cardlane?.close();
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

async function merchantBalance(): Promise<number> {
  const balance = await ledger.getBalance(cardlane.db, `acq:merchant:${cardlane.demoMerchant.merchant_id}:USD`);
  return balance ? balance.credits_posted - balance.debits_posted : 0;
}

async function pay(number: string, amount: number): Promise<Stripe.PaymentIntent> {
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: 2030, cvc: '123' } });
  const pi = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: pm.id, confirm: true });
  assert.equal(pi.status, 'succeeded');
  return pi;
}

async function disputeAfterSweeps(paymentIntent: string): Promise<Stripe.Dispute> {
  for (let sweep = 0; sweep < 5; sweep++) {
    await cardlane.runTask('network.test-bank-disputes');
    const found = (await stripe.disputes.list({ payment_intent: paymentIntent })).data[0];
    if (found !== undefined) return found;
  }
  throw new Error('the test bank never disputed the payment');
}

test('a charge with an open inquiry can be refunded, as its is_charge_refundable says; a charged-back one cannot', async () => {
  const before = await merchantBalance();
  const inquiryPayment = await pay('4000000000001976', 2000);
  const inquiry = await disputeAfterSweeps(inquiryPayment.id);
  assert.equal(inquiry.status, 'warning_needs_response');
  assert.equal(inquiry.is_charge_refundable, true);

  const refund = await stripe.refunds.create({ payment_intent: inquiryPayment.id });
  assert.equal(refund.status, 'succeeded');
  assert.equal(refund.amount, 2000);
  const charge = await stripe.charges.retrieve(inquiry.charge as string);
  assert.equal(charge.amount_refunded, 2000);
  assert.equal(charge.refunded, true);
  // The inquiry moved nothing, the refund gave everything back: the merchant is where it started.
  assert.equal(await merchantBalance(), before);
  assert.equal((await stripe.disputes.close(inquiry.id)).status, 'warning_closed');
  assert.equal(await merchantBalance(), before);

  // A chargeback's money is the cardholder's already: a refund too would pay twice.
  const fraudPayment = await pay('4000000000000259', 1000);
  const chargeback = await disputeAfterSweeps(fraudPayment.id);
  assert.equal(chargeback.status, 'needs_response');
  assert.equal(chargeback.is_charge_refundable, false);
  await assert.rejects(stripe.refunds.create({ payment_intent: fraudPayment.id }), (e: Stripe.errors.StripeError) => e.code === 'charge_disputed');

  const report = await cardlane.auditLedger();
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.deepEqual(await auditAcquirerDisputes(ledger, cardlane.db), []);
});
