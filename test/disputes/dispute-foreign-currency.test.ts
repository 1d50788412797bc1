import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { auditAcquirerDisputes } from '../../src/acquirer/disputes/dispute-ledger.ts';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import { auditIssuerDisputes } from '../../src/issuer/disputes/dispute-ledger.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestLocation } from '../support/databases.ts';

// A cardholder disputes a payment made in another currency than the card's. The card is billed in USD, so the
// statement line (and the dispute's amount, and its provisional credit) are USD cents; the chargeback the issuer
// sends goes to a merchant who was paid in EUR, and must ask for EUR cents. It sent the USD figure labelled EUR:
// a full dispute of 10.00 EUR asked the merchant for ~10.80 EUR (refused as more than the payment, so the
// cardholder could never dispute it), and a partial one took a different sum from the merchant than the
// cardholder was credited.

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-dispute-fx-'));
const location = newTestLocation();
const clock = new ManualClock(Date.UTC(2026, 2, 1));
let cardlane: Cardlane;
let op: string;
const ledger = new Ledger(clock);

before(async () => {
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

type Json = Record<string, any>;
async function issuer(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${cardlane.url}/issuer/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function smsCode(phone: string): Promise<string> {
  const sms = await issuer('GET', `/operator/sms?phone=${encodeURIComponent(phone)}`, op);
  return /\b(\d{6})\b/.exec(sms.body.data[0].body)![1]!;
}

test('a dispute of a EUR payment on a USD card: the cardholder is credited USD, the merchant is charged back the EUR it was paid', async () => {
  const made = await fetch(`${cardlane.url}/acquirer/v1/merchants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Berlin Books', country: 'DE', mcc: '5942', currency: 'eur' }),
  });
  assert.equal(made.status, 201);
  const merchant = (await made.json()) as { secret_key: string };
  const port = Number(new URL(cardlane.url).port);
  const stripe = new Stripe(merchant.secret_key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });

  const phone = cardlane.demoCardholder.phone;
  const cardId = cardlane.demoCardholder.card_id;
  assert.equal((await issuer('POST', '/sessions/code', undefined, { phone })).status, 200);
  const token = (await issuer('POST', '/sessions', undefined, { phone, code: await smsCode(phone) })).body.token as string;
  clock.advanceMs(61_000); // one code a minute
  assert.equal((await issuer('POST', `/cards/${cardId}/reveal-code`, token)).status, 200);
  const card = (await issuer('POST', `/cards/${cardId}/reveal`, token, { code: await smsCode(phone) })).body;

  const pay = async (amount: number) => {
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: card.number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: card.cvc } });
    const pi = await stripe.paymentIntents.create({ amount, currency: 'eur', payment_method: pm.id, confirm: true });
    assert.equal(pi.status, 'succeeded');
    const lines = (await issuer('GET', `/cards/${cardId}/statement?limit=100`, token)).body.data as Json[];
    const line = lines.find((l) => l.type === 'authorization' && l.requested_amount?.amount === amount && !used.has(l.authorization))!;
    assert.ok(line, JSON.stringify(lines));
    used.add(line.authorization);
    return { pi, authorization: line.authorization as string, billedUsd: -line.amount as number };
  };
  const used = new Set<string>();
  const disputeOf = async (pi: Stripe.PaymentIntent) => (await stripe.disputes.list({ payment_intent: pi.id })).data[0];

  // The whole payment.
  const whole = await pay(1_000);
  assert.notEqual(whole.billedUsd, 1_000, 'billed in USD at a rate');
  const opened = await issuer('POST', '/disputes', token, { authorization_id: whole.authorization, reason: 'product_not_received' });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  assert.equal(opened.body.status, 'chargeback_sent', JSON.stringify(opened.body.steps));
  assert.deepEqual(opened.body.amount, { amount_minor: whole.billedUsd, currency: 'usd' }, 'the cardholder disputes what was billed');
  assert.equal(opened.body.provisional_credit, whole.billedUsd);
  const merchantSide = await disputeOf(whole.pi);
  assert.ok(merchantSide, 'the merchant has the dispute');
  assert.deepEqual([merchantSide.amount, merchantSide.currency], [1_000, 'eur'], 'the merchant is charged back what it was paid');

  // Part of a payment: the merchant loses the same share of its EUR as the cardholder disputes of the USD.
  const part = await pay(800);
  const half = Math.round(part.billedUsd / 2);
  const partOpened = await issuer('POST', '/disputes', token, { authorization_id: part.authorization, reason: 'not_as_described', amount: half });
  assert.equal(partOpened.status, 200, JSON.stringify(partOpened.body));
  assert.equal(partOpened.body.status, 'chargeback_sent');
  assert.deepEqual(partOpened.body.amount, { amount_minor: half, currency: 'usd' });
  const partSide = await disputeOf(part.pi);
  assert.ok(partSide);
  assert.equal(partSide.currency, 'eur');
  assert.ok(Math.abs(partSide.amount - 400) <= 1, `about half of 8.00 EUR (${partSide.amount})`);

  const report = await cardlane.auditLedger();
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.deepEqual(await auditAcquirerDisputes(ledger, cardlane.db), []);
  assert.deepEqual(await auditIssuerDisputes(ledger, cardlane.db), []);
});
