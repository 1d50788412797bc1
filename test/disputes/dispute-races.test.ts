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

// Disputes under real concurrency, over HTTP, on whichever database the suite
// runs on: requests are sent together (Promise.all) so they meet in the
// server's transactions. Whatever the interleaving, the cardholder is never
// credited twice for one payment: the issuer locks the authorization while it
// opens a dispute (one per payment), and the acquirer reserves refunds and
// chargebacks under the same charge lock (a refund of a charged-back charge is
// refused; a chargeback for more than captured − refunded is refused, and the
// issuer then reverses its provisional credit).

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-dispute-races-'));
const location = newTestLocation();
const clock = new ManualClock(Date.UTC(2026, 2, 1));
let cardlane: Cardlane;
let stripe: Stripe;
let ledger: Ledger;
let op: string;
let token: string;
let card: { number: string; cvc: string; exp_month: number; exp_year: number };

type Json = Record<string, any>;

async function issuer(method: string, path: string, bearer?: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${cardlane.url}/issuer/v1${path}`, {
    method,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function smsCode(): Promise<string> {
  const sms = await issuer('GET', `/operator/sms?phone=${encodeURIComponent(cardlane.demoCardholder.phone)}`, op);
  return /\b(\d{6})\b/.exec(sms.body.data[0].body)![1]!;
}

before(async () => {
  cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, clock, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  const port = Number(new URL(cardlane.url).port);
  stripe = new Stripe(cardlane.demoMerchant.secret_key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  ledger = new Ledger(clock);
  op = readFileSync(cardlane.operatorKeyFile!, 'utf8').trim();
  // The demo merchant refuses prepaid cards on customer-initiated payments (the seed's rule); these races are not about that.
  const auth = { authorization: `Bearer ${cardlane.demoMerchant.secret_key}` };
  const rules = (await (await fetch(`${cardlane.url}/v1/risk_rules`, { headers: auth })).json()) as { data: Array<{ id: string }> };
  for (const rule of rules.data) assert.equal((await fetch(`${cardlane.url}/v1/risk_rules/${rule.id}`, { method: 'DELETE', headers: auth })).status, 200);
  const phone = cardlane.demoCardholder.phone;
  assert.equal((await issuer('POST', '/sessions/code', undefined, { phone })).status, 200);
  token = (await issuer('POST', '/sessions', undefined, { phone, code: await smsCode() })).body.token as string;
  clock.advanceMs(61_000); // one SMS code a minute
  const cardId = cardlane.demoCardholder.card_id;
  assert.equal((await issuer('POST', `/cards/${cardId}/reveal-code`, token)).status, 200);
  const revealed = await issuer('POST', `/cards/${cardId}/reveal`, token, { code: await smsCode() });
  assert.equal(revealed.status, 200, JSON.stringify(revealed.body));
  card = revealed.body as typeof card;
});

after(async () => {
  await cardlane?.close();
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

const available = async () => (await issuer('GET', `/cards/${cardlane.demoCardholder.card_id}`, token)).body.balance.available as number;

/** A settled payment on the demo card, and its statement line's authorization. */
async function settledPayment(amount: number): Promise<{ pi: Stripe.PaymentIntent; authorizationId: string }> {
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: card.number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: card.cvc } });
  const pi = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: pm.id, confirm: true });
  assert.equal(pi.status, 'succeeded');
  const charge = await stripe.charges.retrieve(pi.latest_charge as string);
  return { pi, authorizationId: charge.authorization_code! };
}

async function assertAudits(): Promise<void> {
  const report = await cardlane.auditLedger();
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.deepEqual(await auditAcquirerDisputes(ledger, cardlane.db), []);
  assert.deepEqual(await auditIssuerDisputes(ledger, cardlane.db), []);
}

test('two disputes of one statement line sent together: exactly one is opened, the card is credited once', async () => {
  for (let round = 0; round < 5; round++) {
    const { pi, authorizationId } = await settledPayment(400);
    const before = await available();
    const answers = await Promise.all([
      issuer('POST', '/disputes', token, { authorization_id: authorizationId, reason: 'product_not_received', evidence: 'Never came.' }),
      issuer('POST', '/disputes', token, { authorization_id: authorizationId, reason: 'duplicate', evidence: 'Charged twice.' }),
    ]);
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 409], JSON.stringify(answers.map((a) => a.body)));
    const refused = answers.find((a) => a.status === 409)!;
    assert.equal(refused.body.error?.code ?? refused.body.code, 'dispute_duplicate');
    assert.equal(await available(), before + 400, 'one provisional credit');
    const merchantSide = await stripe.disputes.list({ payment_intent: pi.id });
    assert.equal(merchantSide.data.length, 1);
    assert.equal(merchantSide.data[0]!.status, 'needs_response');
  }
  await assertAudits();
});

test('a refund racing a dispute: the cardholder gets the money back once, never twice', async (t) => {
  const outcomes = new Set<string>();
  // The refund starts a little later in some rounds, so both orders (and the overlap between) are met; the checks hold for any order.
  const refundHeadStartMs = [0, 0, 5, 20, 60, 150, 500, 1500];
  for (const delayMs of refundHeadStartMs) {
    const { pi, authorizationId } = await settledPayment(700);
    const before = await available();
    const [dispute, refund] = await Promise.all([
      issuer('POST', '/disputes', token, { authorization_id: authorizationId, reason: 'credit_not_processed', evidence: 'They promised a refund.' }),
      new Promise((resolve) => setTimeout(resolve, delayMs)).then(() => stripe.refunds.create({ payment_intent: pi.id })).then(
        (r) => ({ ok: true as const, status: r.status }),
        (e: Stripe.errors.StripeError) => ({ ok: false as const, code: e.code }),
      ),
    ]);
    const disputeState = dispute.status === 200 ? (dispute.body.status as string) : `refused:${dispute.body.error?.code ?? dispute.body.code}`;
    outcomes.add(`${disputeState}/${refund.ok ? 'refunded' : refund.code}`);
    if (refund.ok) {
      // The refund was reserved first: the chargeback was refused (or never opened), and any provisional credit reversed.
      assert.ok(disputeState === 'rejected' || disputeState === 'refused:dispute_amount_invalid', disputeState);
      assert.equal((await stripe.disputes.list({ payment_intent: pi.id })).data.length, 0);
    } else {
      // The chargeback was taken first: the refund is refused as at Stripe.
      assert.equal(refund.code, 'charge_disputed');
      assert.equal(disputeState, 'chargeback_sent');
    }
    assert.equal(await available(), before + 700, `credited exactly once (${disputeState})`);
  }
  t.diagnostic(`interleavings seen: ${[...outcomes].join(', ')}`);
  await assertAudits();
});

test('a partial refund racing a dispute of the whole payment: refund and provisional credit never exceed the payment', async () => {
  for (let round = 0; round < 4; round++) {
    const { pi, authorizationId } = await settledPayment(300);
    const before = await available();
    const [dispute, refund] = await Promise.all([
      issuer('POST', '/disputes', token, { authorization_id: authorizationId, reason: 'not_as_described', evidence: 'Broken.' }),
      stripe.refunds.create({ payment_intent: pi.id, amount: 120 }).then(
        () => true,
        (e: Stripe.errors.StripeError) => (assert.equal(e.code, 'charge_disputed'), false),
      ),
    ]);
    const credited = (await available()) - before;
    assert.ok(credited <= 300, `credited ${credited} of a 300 payment`);
    if (refund) assert.equal(credited, 120, `the refund only: the whole-payment dispute was refused (${JSON.stringify(dispute.body.status ?? dispute.body)})`);
    else assert.equal(credited, 300, 'the dispute only');
  }
  await assertAudits();
});
