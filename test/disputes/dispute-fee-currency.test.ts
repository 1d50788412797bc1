import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { auditAcquirerDisputes, disputeFeeFor, DISPUTE_FEES } from '../../src/acquirer/disputes/dispute-ledger.ts';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { knownCurrencies } from '../../src/platform/money.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestLocation } from '../support/databases.ts';

// Stripe takes its dispute fee ($15 in the US) in the account's settlement currency. Cardlane took a flat 1500
// minor units in the disputed charge's currency: ¥1,500 from a JPY charge but $15.00 from a USD charge at a
// merchant paid out in yen, KWD 1.500 from a KWD charge. The fee is now the settlement currency's (¥1,500 for a JPY
// merchant, KWD 4.600 for a KWD one — three decimals), a balance transaction of its own when the charge's currency
// differs; a won dispute gives back exactly that, in that currency; the audits hold.

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-dispute-fee-'));
const location = newTestLocation();
const clock = new ManualClock(Date.UTC(2026, 2, 1));
let cardlane: Cardlane;
let op: string;

before(async () => {
  writeFileSync(join(dataDir, 'cardlane.json'), JSON.stringify({ acquirer: { settlementCurrencies: ['usd', 'jpy', 'kwd'] } }));
  cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, clock, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  op = readFileSync(cardlane.operatorKeyFile!, 'utf8').trim();
});
after(async () => {
  await cardlane?.close();
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

async function merchantSettlingIn(settlement: string): Promise<Stripe> {
  const made = await fetch(`${cardlane.url}/acquirer/v1/merchants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `Shop ${settlement}`, country: 'US', mcc: '5734', settlement_currency: settlement }),
  });
  assert.equal(made.status, 201, await made.clone().text());
  const { secret_key } = (await made.json()) as { secret_key: string };
  return new Stripe(secret_key, { host: '127.0.0.1', port: Number(new URL(cardlane.url).port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
}

/** A payment by the test bank's card that it disputes as fraudulent after the capture, and the dispute once opened. */
async function disputedPayment(stripe: Stripe, amount: number, currency: string): Promise<Stripe.Dispute> {
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: '4000000000000259', exp_month: 12, exp_year: 2030, cvc: '123' } });
  const pi = await stripe.paymentIntents.create({ amount, currency, payment_method: pm.id, confirm: true });
  assert.equal(pi.status, 'succeeded');
  for (let sweep = 0; sweep < 5; sweep++) {
    await cardlane.runTask('network.test-bank-disputes');
    const opened = (await stripe.disputes.list({ payment_intent: pi.id })).data[0];
    if (opened) return opened;
  }
  throw new Error('the test bank never disputed the payment');
}

async function decided(stripe: Stripe, id: string, evidence: 'winning_evidence' | 'losing_evidence'): Promise<Stripe.Dispute> {
  await stripe.disputes.update(id, { evidence: { uncategorized_text: evidence } });
  for (let sweep = 0; sweep < 5; sweep++) {
    await cardlane.runTask('network.test-bank-disputes');
    const d = await stripe.disputes.retrieve(id);
    if (d.status !== 'under_review') return d;
  }
  throw new Error('the test bank never decided');
}

const balances = async (stripe: Stripe) => Object.fromEntries((await stripe.balance.retrieve()).available.map((b) => [b.currency, b.amount]));

test('every settlement currency has a dispute fee in its own minor units (zero- and three-decimal currencies included)', () => {
  for (const { code } of knownCurrencies()) assert.ok(DISPUTE_FEES[code], `a fee for ${code}`);
  assert.deepEqual(disputeFeeFor('usd'), { minor: 1500, currency: 'USD' });
  assert.deepEqual(disputeFeeFor('jpy'), { minor: 1500, currency: 'JPY' }, '¥1,500, not ¥15');
  assert.deepEqual(disputeFeeFor('kwd'), { minor: 4600, currency: 'KWD' }, 'KWD 4.600, not KWD 1.500');
  assert.deepEqual(disputeFeeFor('eur'), { minor: 2000, currency: 'EUR' });
});

test('a USD charge at a merchant settling in JPY: the amount is withdrawn in USD, the ¥1,500 fee in JPY on its own; a win gives both back', async () => {
  const stripe = await merchantSettlingIn('jpy');
  const opened = await disputedPayment(stripe, 5000, 'usd');
  assert.deepEqual([opened.amount, opened.currency], [5000, 'usd']);
  assert.deepEqual(
    opened.balance_transactions.map((t) => [t.amount, t.fee, t.net, t.currency]),
    [[-5000, 0, -5000, 'usd'], [0, 1500, -1500, 'jpy']],
    'the withdrawal, then the fee in the settlement currency',
  );
  assert.deepEqual(await balances(stripe), { jpy: -1500, usd: 0 }, 'paid 50.00 USD, charged back 50.00 USD, fee ¥1,500');
  const movements = (await stripe.balanceTransactions.list({ limit: 100 })).data.filter((t) => t.source === opened.id);
  assert.deepEqual(movements.map((t) => [t.currency, t.amount, t.fee, t.net, t.reporting_category]).sort(), [['jpy', 0, 1500, -1500, 'dispute'], ['usd', -5000, 0, -5000, 'dispute']]);

  const won = await decided(stripe, opened.id, 'winning_evidence');
  assert.equal(won.status, 'won');
  assert.deepEqual(await balances(stripe), { jpy: 0, usd: 5000 }, 'the reinstatement mirrors the withdrawal exactly');
  const back = (await stripe.balanceTransactions.list({ limit: 100 })).data.filter((t) => t.source === opened.id && t.reporting_category === 'dispute_reversal');
  assert.deepEqual(back.map((t) => [t.currency, t.amount, t.fee, t.net]).sort(), [['jpy', 0, -1500, 1500], ['usd', 5000, 0, 5000]]);

  const report = await cardlane.auditLedger();
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.deepEqual(await auditAcquirerDisputes(new Ledger(clock), cardlane.db), []);
});

test('a merchant settling in KWD loses a dispute of a USD charge: KWD 4.600 (4600 fils) kept as its fee; the audit nets each currency', async () => {
  const stripe = await merchantSettlingIn('kwd');
  const opened = await disputedPayment(stripe, 2000, 'usd');
  const lost = await decided(stripe, opened.id, 'losing_evidence');
  assert.equal(lost.status, 'lost');
  assert.deepEqual(await balances(stripe), { kwd: -4600, usd: 0 });

  // The same currency: one adjustment with the fee, as Stripe shows it (¥1,500 on a JPY charge at a JPY merchant).
  const yen = await merchantSettlingIn('jpy');
  const jpyDispute = await disputedPayment(yen, 8000, 'jpy');
  assert.deepEqual(jpyDispute.balance_transactions.map((t) => [t.amount, t.fee, t.currency]), [[-8000, 1500, 'jpy']]);
  assert.deepEqual(await balances(yen), { jpy: -1500, usd: 0 });

  const report = await cardlane.auditLedger();
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.deepEqual(await auditAcquirerDisputes(new Ledger(clock), cardlane.db), []);
});
