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

// Stripe's early fraud warning card (4000000000005423) over HTTP with the
// official stripe SDK: the test bank reports the captured payment as fraud
// through the network, the acquirer records a warning and an event; no money
// moves; a refund makes the warning no longer actionable.

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-efw-'));
const location = newTestLocation();
const clock = new ManualClock(Date.UTC(2026, 2, 1));
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

async function pay(number: string, amount: number): Promise<Stripe.PaymentIntent> {
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: 2030, cvc: '123' } });
  const pi = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: pm.id, confirm: true });
  assert.equal(pi.status, 'succeeded');
  return pi;
}

test('4000000000005423: an early fraud warning after capture, actionable until refunded; no dispute, no money moved', async () => {
  const pi = await pay('4000000000005423', 4200);
  const other = await pay('4242424242424242', 1000);
  assert.equal((await stripe.radar.earlyFraudWarnings.list({ payment_intent: pi.id })).data.length, 0, 'none before the issuer reports');
  // One sweep is enough on an idle machine; on a loaded one the acquirer may answer after the network's timeout (91) and the bank reports again with the same id.
  for (let sweep = 0; sweep < 5 && (await stripe.radar.earlyFraudWarnings.list()).data.length === 0; sweep++) await cardlane.runTask('network.test-bank-disputes');
  await cardlane.runTask('network.test-bank-disputes'); // another sweep reports nothing again

  const list = await stripe.radar.earlyFraudWarnings.list();
  assert.equal(list.data.length, 1, 'only the fraud warning card is reported');
  const warning = list.data[0]!;
  assert.match(warning.id, /^issfr_/);
  assert.equal(warning.object, 'radar.early_fraud_warning');
  assert.equal(warning.actionable, true);
  assert.equal(warning.fraud_type, 'made_with_stolen_card');
  assert.equal(warning.charge, pi.latest_charge);
  assert.equal(warning.payment_intent, pi.id);
  assert.equal(warning.livemode, false);
  assert.deepEqual(await stripe.radar.earlyFraudWarnings.retrieve(warning.id), warning);
  assert.equal((await stripe.radar.earlyFraudWarnings.list({ charge: pi.latest_charge as string })).data[0]!.id, warning.id);
  assert.equal((await stripe.radar.earlyFraudWarnings.list({ payment_intent: other.id })).data.length, 0);
  assert.equal((await stripe.disputes.list({ payment_intent: pi.id })).data.length, 0, 'a warning is not a dispute');
  assert.equal((await stripe.charges.retrieve(pi.latest_charge as string)).disputed, false);

  const created = (await stripe.events.list({ type: 'radar.early_fraud_warning.created' })).data;
  assert.equal(created.length, 1);
  assert.equal((created[0]!.data.object as Stripe.Radar.EarlyFraudWarning).id, warning.id);

  // The merchant refunds at once, as Stripe advises: the warning is no longer actionable, and the merchant is told.
  await stripe.refunds.create({ payment_intent: pi.id });
  assert.equal((await stripe.radar.earlyFraudWarnings.retrieve(warning.id)).actionable, false);
  const updated = (await stripe.events.list({ type: 'radar.early_fraud_warning.updated' })).data;
  assert.equal(updated.length, 1);
  assert.equal((updated[0]!.data.object as Stripe.Radar.EarlyFraudWarning).actionable, false);
  assert.deepEqual(updated[0]!.data.previous_attributes, { actionable: true });

  // The network kept the report and its answer.
  const reports = await cardlane.db.all<{ sender: string; fraud_type: string; response_code: string; receiver_ref: string }>(
    `SELECT sender, fraud_type, response_code, receiver_ref FROM network_fraud_reports`,
  );
  assert.equal(reports.length, 1);
  assert.deepEqual({ ...reports[0] }, { sender: reports[0]!.sender, fraud_type: 'made_with_stolen_card', response_code: '00', receiver_ref: warning.id });

  await assert.rejects(stripe.radar.earlyFraudWarnings.retrieve('issfr_0123456789abcdef'), (e: Stripe.errors.StripeError) => e.statusCode === 404 && e.code === 'resource_missing');
  await assert.rejects(stripe.radar.earlyFraudWarnings.list({ charge: 'not-a-charge' }), (e: Stripe.errors.StripeError) => e.statusCode === 400 && e.param === 'charge');
  const report = await cardlane.auditLedger();
  assert.equal(report.ok, true, JSON.stringify(report));
});
