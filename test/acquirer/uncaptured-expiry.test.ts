import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestLocation } from '../support/databases.ts';

// At Stripe an uncaptured payment expires 7 days after its authorization
// (`capture_before`): the funds are released, the PaymentIntent becomes
// `canceled` with `cancellation_reason: automatic`, and the merchant hears it
// as `charge.expired` and `payment_intent.canceled` — without having to try a
// capture first. A payment captured in time is not touched.

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-uncaptured-expiry-'));
const location = newTestLocation();
const clock = new ManualClock(Date.UTC(2026, 2, 1));
const DAY_MS = 24 * 60 * 60 * 1000;
let cardlane: Cardlane;
let stripe: Stripe;

before(async () => {
  cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, clock, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  const port = Number(new URL(cardlane.url).port);
  stripe = new Stripe(cardlane.demoMerchant.secret_key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
});

after(async () => {
  await cardlane?.close();
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

async function authorize(amount: number): Promise<Stripe.PaymentIntent> {
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } });
  const pi = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: pm.id, confirm: true, capture_method: 'manual' });
  assert.equal(pi.status, 'requires_capture');
  return pi;
}

test('an uncaptured payment expires after 7 days: canceled automatic, charge.expired and payment_intent.canceled', async () => {
  const lapsing = await authorize(2500);
  const capturedInTime = await authorize(1800);

  clock.advanceMs(3 * DAY_MS);
  assert.equal((await stripe.paymentIntents.capture(capturedInTime.id)).status, 'succeeded');

  // Day 6: still capturable; the sweep leaves it.
  clock.advanceMs(3 * DAY_MS);
  await cardlane.runTask('acquirer.resume-stuck-payments');
  assert.equal((await stripe.paymentIntents.retrieve(lapsing.id)).status, 'requires_capture');

  // Past 7 days from the authorization: expired without any capture attempt.
  clock.advanceMs(DAY_MS + 60_000);
  await cardlane.runTask('acquirer.resume-stuck-payments');
  const expired = await stripe.paymentIntents.retrieve(lapsing.id);
  assert.equal(expired.status, 'canceled');
  assert.equal(expired.cancellation_reason, 'automatic');
  assert.equal(expired.amount_capturable, 0);
  assert.equal((await stripe.paymentIntents.retrieve(capturedInTime.id)).status, 'succeeded');

  const chargeExpired = (await stripe.events.list({ type: 'charge.expired' })).data;
  assert.deepEqual(chargeExpired.map((e) => (e.data.object as Stripe.Charge).payment_intent), [lapsing.id]);
  const canceled = (await stripe.events.list({ type: 'payment_intent.canceled' })).data;
  assert.deepEqual(canceled.map((e) => (e.data.object as Stripe.PaymentIntent).id), [lapsing.id]);

  // Once: the next sweep finds nothing more to do.
  await cardlane.runTask('acquirer.resume-stuck-payments');
  assert.equal((await stripe.events.list({ type: 'charge.expired' })).data.length, 1);
  await assert.rejects(stripe.paymentIntents.capture(lapsing.id), (e: Stripe.errors.StripeError) => e.code === 'payment_intent_unexpected_state');

  const report = await cardlane.auditLedger();
  assert.equal(report.ok, true, JSON.stringify(report));
});

test('an uncaptured charge shows capture_before; canceled or expired, it reads refunded (amount_refunded = the uncaptured amount, captured false), as at Stripe', async () => {
  // Stripe: "uncaptured payments expire a set number of days after they are created (7 by default), after which they
  // are marked as refunded"; canceling a requires_capture PaymentIntent refunds the remaining amount_capturable.
  const held = await authorize(1200);
  const charge = await stripe.charges.retrieve(held.latest_charge as string);
  assert.equal(charge.payment_method_details!.card!.capture_before, charge.created + 7 * 24 * 60 * 60, 'captured before the authorization lapses');
  assert.deepEqual([charge.captured, charge.refunded, charge.amount_refunded], [false, false, 0]);

  // Canceled by the merchant.
  await stripe.paymentIntents.cancel(held.id);
  const canceled = await stripe.charges.retrieve(charge.id);
  assert.deepEqual([canceled.captured, canceled.refunded, canceled.amount_refunded, canceled.amount_captured], [false, true, 1200, 0]);
  assert.equal(canceled.payment_method_details!.card!.capture_before, undefined, 'nothing left to capture');

  // Expired by the 7-day sweep: the charge of charge.expired reads the same.
  const lapsing = await authorize(900);
  clock.advanceMs(7 * DAY_MS + 60_000);
  await cardlane.runTask('acquirer.resume-stuck-payments');
  assert.equal((await stripe.paymentIntents.retrieve(lapsing.id)).status, 'canceled');
  const expired = await stripe.charges.retrieve(lapsing.latest_charge as string);
  assert.deepEqual([expired.captured, expired.refunded, expired.amount_refunded], [false, true, 900]);
  const announced = (await stripe.events.list({ type: 'charge.expired' })).data.find((e) => (e.data.object as Stripe.Charge).id === expired.id);
  assert.ok(announced, 'charge.expired was sent');
  assert.deepEqual([(announced.data.object as Stripe.Charge).refunded, (announced.data.object as Stripe.Charge).amount_refunded], [true, 900]);

  // A captured charge is not touched: refunded only by refunds.
  const captured = await authorize(700);
  await stripe.paymentIntents.capture(captured.id);
  const paid = await stripe.charges.retrieve(captured.latest_charge as string);
  assert.deepEqual([paid.captured, paid.refunded, paid.amount_refunded], [true, false, 0]);
  assert.equal(paid.payment_method_details!.card!.capture_before, undefined);

  const report = await cardlane.auditLedger();
  assert.equal(report.ok, true, JSON.stringify(report));
});
