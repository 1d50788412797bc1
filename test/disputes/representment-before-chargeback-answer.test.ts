import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DisputeAcquirerEndpoint } from '../../src/network/messages.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { SIM_ISSUER_TIMEOUT_MS, startInstance, writeSimConfig, type Instance } from '../../sim/instance.ts';
import { newTestLocation } from '../support/databases.ts';

// The acquirer opened a chargeback, but its answer reached the network after the
// network's time-out: the network recorded the chargeback as not delivered (91)
// and the issuer will send it again. A merchant quick to answer (evidence
// submitted on `charge.dispute.created`) sends its representment in between,
// and the network refuses it — it knows no accepted chargeback yet
// (`12 unknown_chargeback`). That refusal is not the end of the answer: once the
// issuer's resend has been taken, the representment must still reach the
// issuer, or the dispute stays `under_review` forever with the merchant's
// money and fee withdrawn.

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-early-representment-'));
const location = newTestLocation();
const clock = new ManualClock(Date.UTC(2026, 2, 1));
let instance: Instance;
let ledger: Ledger;

before(async () => {
  writeSimConfig(dataDir);
  instance = await startInstance({ database: location.url, dataDir, clock, randomSeed: 7 });
  ledger = new Ledger(clock);
});

after(async () => {
  await instance?.http.close();
  await instance?.db.close();
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

type Json = Record<string, any>;

async function stripe(method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<Json> {
  const response = await instance.http.inject({
    method,
    url,
    headers: { authorization: `Bearer ${instance.merchantSecretKey}`, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
  });
  const body = JSON.parse(response.body) as Json;
  assert.equal(response.statusCode, 200, JSON.stringify(body));
  return body;
}

async function runTask(name: string): Promise<void> {
  const task = instance.tasks.find((t) => t.name === name);
  assert.ok(task, `no task ${name}`);
  await task.run();
}

async function merchantBalance(merchantId: string): Promise<number> {
  const balance = await ledger.getBalance(instance.db, `acq:merchant:${merchantId}:USD`);
  return balance ? balance.credits_posted - balance.debits_posted : 0;
}

test('a representment the network refused because the chargeback was not yet recorded reaches the issuer once it is', async () => {
  const pm = await stripe('POST', '/v1/payment_methods', { type: 'card', 'card[number]': '4000000000000259', 'card[exp_month]': '12', 'card[exp_year]': '2030', 'card[cvc]': '123' });
  const pi = await stripe('POST', '/v1/payment_intents', { amount: '5000', currency: 'usd', payment_method: pm.id, confirm: 'true' });
  assert.equal(pi.status, 'succeeded');
  const merchantId = (await instance.db.get<{ merchant_id: string }>('SELECT merchant_id FROM acquirer_charges WHERE id = ?', [pi.latest_charge]))!.merchant_id;
  const start = await merchantBalance(merchantId);

  // The acquirer's answer to the first chargeback comes back after the network's time-out (a slow link).
  const real = instance.app.acquirer.disputeEndpoint;
  let slow = true;
  const slowLink: DisputeAcquirerEndpoint = {
    ...real,
    receiveChargeback: async (request) => {
      const answer = await real.receiveChargeback(request);
      if (slow) {
        slow = false;
        await new Promise((resolve) => setTimeout(resolve, SIM_ISSUER_TIMEOUT_MS * 4));
      }
      return answer;
    },
  };
  instance.app.network.disputes.connectAcquirer(slowLink);

  await runTask('network.test-bank-disputes');
  const opened = (await stripe('GET', `/v1/disputes?payment_intent=${pi.id}`)).data[0];
  assert.equal(opened?.status, 'needs_response', 'the acquirer opened the dispute');
  const first = await instance.db.get<{ response_code: string }>(`SELECT response_code FROM network_dispute_messages WHERE type = 'chargeback'`);
  assert.equal(first?.response_code, '91', 'the network timed out on the acquirer\'s answer');
  assert.equal(await merchantBalance(merchantId), start - 5000 - 1500);

  // The merchant answers at once, before the issuer sends the chargeback again.
  const submitted = await stripe('POST', `/v1/disputes/${opened.id}`, { 'evidence[uncategorized_text]': 'winning_evidence' });
  assert.equal(submitted.status, 'under_review');

  // The issuer's resend is taken; the representment is sent again; the issuer decides; the merchant wins.
  for (let round = 0; round < 3; round++) {
    await runTask('network.test-bank-disputes');
    await runTask('acquirer.dispute-deadlines');
  }
  await runTask('network.test-bank-disputes');
  const closed = await stripe('GET', `/v1/disputes/${opened.id}`);
  assert.equal(closed.status, 'won');
  assert.equal(await merchantBalance(merchantId), start);
});
