import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { auditAcquirerDisputes } from '../../src/acquirer/disputes/dispute-ledger.ts';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import { renderDisputeTrace } from '../../src/doctor/index.ts';
import { auditIssuerDisputes } from '../../src/issuer/disputes/dispute-ledger.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestLocation } from '../support/databases.ts';

// Disputes across every party over HTTP: the official stripe SDK as the
// merchant, the issuer's HTTP API as the cardholder and the operator, the
// test bank's dispute cards; background tasks are run by name at the moments
// a test wants them (the clock is manual).

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-disputes-'));
const location = newTestLocation();
const clock = new ManualClock(Date.UTC(2026, 2, 1));
const DAY_MS = 24 * 60 * 60 * 1000;
let cardlane: Cardlane;
let stripe: Stripe;
let ledger: Ledger;
let op: string;

before(async () => {
  // The merchant's webhook receiver listens on 127.0.0.1.
  const env = { CARDLANE_ACQUIRER_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true' };
  cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env, clock, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  const port = Number(new URL(cardlane.url).port);
  stripe = new Stripe(cardlane.demoMerchant.secret_key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  ledger = new Ledger(clock);
  op = readFileSync(cardlane.operatorKeyFile!, 'utf8').trim();
});

after(async () => {
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  await cardlane?.close();
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

type Json = Record<string, any>;

/** The merchant's webhook endpoint: a local server keeping every verified event it receives. */
let receiver: Server | undefined;
const received: Stripe.Event[] = [];
async function listenForWebhooks(events: Stripe.WebhookEndpointCreateParams.EnabledEvent[]): Promise<void> {
  let secret = '';
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      try {
        // Signed at the server's (manual) clock, months from the real one: the signature is checked, the timestamp's age is not.
        received.push(stripe.webhooks.constructEvent(Buffer.concat(chunks), request.headers['stripe-signature'] as string, secret, Number.MAX_SAFE_INTEGER));
        response.writeHead(200).end('{}');
      } catch {
        response.writeHead(400).end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as { port: number }).port;
  secret = (await stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/hooks`, enabled_events: events })).secret!;
}

async function issuer(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${cardlane.url}/issuer/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function merchantBalance(): Promise<number> {
  const balance = await ledger.getBalance(cardlane.db, `acq:merchant:${cardlane.demoMerchant.merchant_id}:USD`);
  return balance ? balance.credits_posted - balance.debits_posted : 0;
}

async function pay(number: string, amount: number, cvc = '123', expiry = { month: 12, year: 2030 }, capture: 'automatic' | 'manual' = 'automatic') {
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number, exp_month: expiry.month, exp_year: expiry.year, cvc } });
  const pi = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: pm.id, confirm: true, capture_method: capture });
  assert.equal(pi.status, capture === 'automatic' ? 'succeeded' : 'requires_capture');
  return pi;
}

async function disputeOf(paymentIntent: string): Promise<Stripe.Dispute | undefined> {
  return (await stripe.disputes.list({ payment_intent: paymentIntent })).data[0];
}

/**
 * Runs the test bank's dispute sweep until `check` holds (at most 5 sweeps). One sweep is enough on an
 * idle machine; on a loaded one a delivery can pass the network's 2 s timeout (91), and the bank sends
 * the same message again on its next sweep — as it would in production.
 */
async function sweepUntil<T>(check: () => Promise<T | undefined | false>): Promise<T> {
  for (let sweep = 0; sweep < 5; sweep++) {
    await cardlane.runTask('network.test-bank-disputes');
    const found = await check();
    if (found !== undefined && found !== false) return found;
  }
  throw new Error('the test bank’s sweep never got there');
}

async function eventTypesFor(disputeId: string): Promise<string[]> {
  const events = await stripe.events.list({ limit: 100 });
  return events.data.filter((e) => (e.data.object as { id?: string }).id === disputeId).map((e) => e.type).reverse();
}

async function assertAudits(): Promise<void> {
  const report = await cardlane.auditLedger();
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.deepEqual(await auditAcquirerDisputes(ledger, cardlane.db), []);
  assert.deepEqual(await auditIssuerDisputes(ledger, cardlane.db), []);
}

test('Stripe dispute test cards: fraudulent won with winning_evidence, product_not_received lost, inquiry closed, a missed deadline lost', async () => {
  const start = await merchantBalance();
  // 4000000000000259: disputed as fraudulent after the capture; the merchant wins with winning_evidence.
  const fraud = await pay('4000000000000259', 5000);
  assert.equal(await disputeOf(fraud.id), undefined, 'no dispute before the test bank acts');
  const opened = await sweepUntil(() => disputeOf(fraud.id));
  assert.equal(opened.status, 'needs_response');
  assert.equal(opened.reason, 'fraudulent');
  assert.equal(opened.amount, 5000);
  assert.equal(opened.network_reason_code, '10.4');
  assert.ok(opened.evidence_details.due_by! > Math.floor(clock.nowMs() / 1000));
  assert.equal(opened.balance_transactions[0]!.amount, -5000);
  assert.equal(opened.balance_transactions[0]!.fee, 1500);
  assert.equal((await stripe.charges.retrieve(opened.charge as string)).disputed, true);
  assert.equal(await merchantBalance(), start + 5000 - 5000 - 1500);
  await assert.rejects(stripe.refunds.create({ payment_intent: fraud.id }), (e: Stripe.errors.StripeError) => e.code === 'charge_disputed');

  const staged = await stripe.disputes.update(opened.id, { evidence: { customer_name: 'Jane Doe' }, submit: false });
  assert.equal(staged.status, 'needs_response');
  assert.equal(staged.evidence.customer_name, 'Jane Doe');
  const submitted = await stripe.disputes.update(opened.id, { evidence: { uncategorized_text: 'winning_evidence' } });
  assert.equal(submitted.status, 'under_review');
  assert.equal(submitted.evidence_details.submission_count, 1);
  await assert.rejects(stripe.disputes.update(opened.id, { evidence: { customer_name: 'x' } }), (e: Stripe.errors.StripeError) => e.statusCode === 400);
  const won = await sweepUntil(async () => { const d = await stripe.disputes.retrieve(opened.id); return d.status !== 'under_review' && d; });
  assert.equal(won.status, 'won');
  assert.equal(won.balance_transactions.length, 2);
  assert.equal(await merchantBalance(), start + 5000);
  assert.deepEqual(await eventTypesFor(opened.id), [
    'charge.dispute.created',
    'charge.dispute.funds_withdrawn',
    'charge.dispute.updated',
    'charge.dispute.funds_reinstated',
    'charge.dispute.closed',
  ]);

  // 4000000000002685: product not received; losing_evidence loses.
  const pnr = await pay('4000000000002685', 3000);
  const pnrDispute = await sweepUntil(() => disputeOf(pnr.id));
  assert.equal(pnrDispute.reason, 'product_not_received');
  assert.equal(pnrDispute.network_reason_code, '13.1');
  await stripe.disputes.update(pnrDispute.id, { evidence: { uncategorized_text: 'losing_evidence' } });
  assert.equal((await sweepUntil(async () => { const d = await stripe.disputes.retrieve(pnrDispute.id); return d.status !== 'under_review' && d; })).status, 'lost');
  assert.equal(await merchantBalance(), start + 5000 + 3000 - 3000 - 1500);

  // 4000000000001976: an inquiry moves no money; closing it accepts.
  const before = await merchantBalance();
  const inquiry = await pay('4000000000001976', 2000);
  const inquiryDispute = await sweepUntil(() => disputeOf(inquiry.id));
  assert.equal(inquiryDispute.status, 'warning_needs_response');
  assert.equal(await merchantBalance(), before + 2000);
  assert.equal((await stripe.disputes.close(inquiryDispute.id)).status, 'warning_closed');
  assert.equal(await merchantBalance(), before + 2000);

  // No answer by due_by: lost when the deadline task runs.
  const late = await pay('4000000000000259', 1000);
  const lateDispute = await sweepUntil(() => disputeOf(late.id));
  await cardlane.runTask('acquirer.dispute-deadlines');
  assert.equal((await stripe.disputes.retrieve(lateDispute.id)).status, 'needs_response', 'not due yet');
  clock.advanceMs(lateDispute.evidence_details.due_by! * 1000 - clock.nowMs() + 1);
  await cardlane.runTask('acquirer.dispute-deadlines');
  assert.equal((await stripe.disputes.retrieve(lateDispute.id)).status, 'lost');
  await assert.rejects(stripe.disputes.close(lateDispute.id).then((d) => assert.equal(d.status, 'lost')).then(() => Promise.reject(new Error('ok'))), /ok/);

  const list = await stripe.disputes.list({ limit: 10 });
  assert.equal(list.data.length, 4);
  await assertAudits();
});

async function signInDemoCardholder(): Promise<string> {
  const phone = cardlane.demoCardholder.phone;
  assert.equal((await issuer('POST', '/sessions/code', undefined, { phone })).status, 200);
  const sms = await issuer('GET', `/operator/sms?phone=${encodeURIComponent(phone)}`, op);
  const code = /\b(\d{6})\b/.exec(sms.body.data[0].body)![1];
  const session = await issuer('POST', '/sessions', undefined, { phone, code });
  return session.body.token as string;
}

async function revealDemoCard(token: string): Promise<{ number: string; cvc: string; exp_month: number; exp_year: number }> {
  const cardId = cardlane.demoCardholder.card_id;
  clock.advanceMs(61_000); // the SMS limit: one code a minute
  assert.equal((await issuer('POST', `/cards/${cardId}/reveal-code`, token)).status, 200);
  const sms = await issuer('GET', `/operator/sms?phone=${encodeURIComponent(cardlane.demoCardholder.phone)}`, op);
  const code = /\b(\d{6})\b/.exec(sms.body.data[0].body)![1];
  const revealed = await issuer('POST', `/cards/${cardId}/reveal`, token, { code });
  assert.equal(revealed.status, 200, JSON.stringify(revealed.body));
  return revealed.body as any;
}

test('a Cardlane cardholder disputes: provisional credit, merchant evidence, the operator decides both ways; acceptance; refusals', async () => {
  // The demo merchant refuses prepaid cards on customer-initiated payments (the seed's rule); this story is not about that.
  const auth = { authorization: `Bearer ${cardlane.demoMerchant.secret_key}` };
  const rules = (await (await fetch(`${cardlane.url}/v1/risk_rules`, { headers: auth })).json()) as { data: Array<{ id: string }> };
  for (const rule of rules.data) assert.equal((await fetch(`${cardlane.url}/v1/risk_rules/${rule.id}`, { method: 'DELETE', headers: auth })).status, 200);
  await listenForWebhooks(['charge.dispute.created', 'charge.dispute.closed']);
  const token = await signInDemoCardholder();
  const card = await revealDemoCard(token);
  const cardId = cardlane.demoCardholder.card_id;
  const available = async () => (await issuer('GET', `/cards/${cardId}`, token)).body.balance.available as number;
  const authorizationOf = async (pi: Stripe.PaymentIntent) => {
    const statement = await issuer('GET', `/cards/${cardId}/statement`, token);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    const line = statement.body.data.find((l: Json) => l.authorization === charge.authorization_code || (l.amount === -pi.amount && l.authorization));
    return line.authorization as string;
  };
  const startCard = await available();
  const startMerchant = await merchantBalance();
  const payCard = (amount: number, capture: 'automatic' | 'manual' = 'automatic') => pay(card.number, amount, card.cvc, { month: card.exp_month, year: card.exp_year }, capture);

  // Not received → provisional credit → merchant submits evidence → the operator decides for the merchant.
  const first = await payCard(500);
  assert.equal(await available(), startCard - 500);
  const firstAuth = await authorizationOf(first);
  const opened = await issuer('POST', '/disputes', token, { authorization_id: firstAuth, reason: 'product_not_received', evidence: 'It never arrived.' });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  assert.equal(opened.body.status, 'chargeback_sent');
  assert.equal(opened.body.provisional_credit, 500);
  assert.equal(opened.body.network.reason_code, '13.1');
  assert.deepEqual(opened.body.steps.map((s: Json) => s.step), ['opened', 'provisional_credit', 'chargeback_sent']);
  assert.equal(await available(), startCard, 'the provisional credit is on the card');
  const duplicate = await issuer('POST', '/disputes', token, { authorization_id: firstAuth, reason: 'duplicate' });
  assert.deepEqual([duplicate.status, duplicate.body.error?.code ?? duplicate.body.code], [409, 'dispute_duplicate']);

  const merchantSide = (await disputeOf(first.id))!;
  assert.equal(merchantSide.status, 'needs_response');
  assert.equal(merchantSide.reason, 'product_not_received');
  // The merchant is told by webhook, and its charge shows the dispute.
  await cardlane.runTask('acquirer.deliver-webhooks');
  const hook = received.find((e) => e.type === 'charge.dispute.created' && (e.data.object as Stripe.Dispute).id === merchantSide.id);
  assert.ok(hook, `webhooks received: ${received.map((e) => e.type).join(', ')}`);
  assert.equal((hook.data.object as Stripe.Dispute).status, 'needs_response');
  const disputedCharge = await stripe.charges.retrieve(first.latest_charge as string);
  assert.equal(disputedCharge.disputed, true);
  assert.equal((disputedCharge as unknown as { dispute: string }).dispute, merchantSide.id);
  // The cardholder's statement shows the disputed payment with its state, and the provisional credit as its own line.
  const statementLines = async () => (await issuer('GET', `/cards/${cardId}/statement?limit=100`, token)).body.data as Json[];
  const disputedLine = (await statementLines()).find((l) => l.type === 'authorization' && l.authorization === firstAuth)!;
  assert.deepEqual(disputedLine.dispute, { id: opened.body.id, status: 'chargeback_sent', reason: 'product_not_received', amount: 500, provisional_credit: 500 });
  const creditLine = (await statementLines()).find((l) => l.type === 'dispute_provisional_credit')!;
  assert.equal(creditLine.amount, 500);
  assert.equal(creditLine.dispute.id, opened.body.id);
  assert.equal(await merchantBalance(), startMerchant + 500 - 500 - 1500);
  await stripe.disputes.update(merchantSide.id, { evidence: { shipping_tracking_number: '1Z999', shipping_carrier: 'UPS' } });
  const responded = await issuer('GET', `/disputes/${opened.body.id}`, token);
  assert.equal(responded.body.status, 'merchant_responded');
  assert.equal(responded.body.merchant_evidence.shipping_carrier, 'UPS');
  const refused = await issuer('POST', `/operator/disputes/${opened.body.id}/decide`, token, { winner: 'merchant' });
  assert.equal(refused.status, 401, 'a cardholder cannot decide');
  const decided = await issuer('POST', `/operator/disputes/${opened.body.id}/decide`, op, { winner: 'merchant' });
  assert.equal(decided.body.status, 'lost');
  assert.equal(await available(), startCard - 500, 'the provisional credit was reversed');
  assert.equal((await statementLines()).find((l) => l.type === 'authorization' && l.authorization === firstAuth)!.dispute.status, 'lost');
  assert.equal((await statementLines()).find((l) => l.type === 'dispute_reversal')!.amount, -500);
  // The cardholder was told each step in the app's feed, in both languages; the outcome by text too.
  const feed = (await issuer('GET', '/notifications?limit=50', token)).body.data as Json[];
  // (Steps of one request share a time, so the feed's order among them is by id: compare as a set.)
  const told = feed.filter((n) => n.kind === 'dispute' && n.subject_id === opened.body.id);
  assert.deepEqual(told.map((n) => n.reason).sort(), ['chargeback_sent', 'decided', 'lost', 'merchant_responded', 'opened', 'provisional_credit']);
  assert.ok(told.every((n) => n.reason_text.zh.length > 0 && n.reason_text.en.length > 0 && n.card_last4 === card.number.slice(-4)));
  assert.deepEqual(told.filter((n) => n.sms_sent).map((n) => n.reason), ['lost'], 'the outcome is texted');
  // The doctor traces the dispute across the parties, each view its own side and the network's.
  const doctorTrace = async (id: string, bearer: string, lang: string) => {
    const r = await fetch(`${cardlane.url}/doctor/v1/traces/${id}?lang=${lang}`, { headers: { authorization: `Bearer ${bearer}` } });
    return { status: r.status, body: (await r.json()) as Json };
  };
  const asCardholder = await doctorTrace(opened.body.id, token, 'zh-CN');
  assert.equal(asCardholder.status, 200, JSON.stringify(asCardholder.body));
  assert.deepEqual(asCardholder.body.hops.map((h: Json) => h.party), ['issuer', 'network']);
  assert.equal(asCardholder.body.hops[0].status, 'lost');
  assert.match(asCardholder.body.summary, /商户胜诉/);
  assert.deepEqual(asCardholder.body.hops[0].steps.map((s: Json) => s.step), ['opened', 'provisional_credit', 'chargeback_sent', 'merchant_responded', 'decided', 'lost']);
  const asMerchant = await doctorTrace(merchantSide.id, cardlane.demoMerchant.secret_key, 'en');
  assert.equal(asMerchant.status, 200, JSON.stringify(asMerchant.body));
  assert.deepEqual(asMerchant.body.hops.map((h: Json) => h.party), ['network', 'acquirer']);
  assert.deepEqual(asMerchant.body.hops[0].messages.map((m: Json) => [m.type, m.response_code]), [['chargeback', '00'], ['representment', '00'], ['dispute_decision', '00']]);
  assert.equal(asMerchant.body.hops[1].status, 'won');
  assert.match(asMerchant.body.summary, /^Dispute of 5\.00 USD: /);
  const asOperator = await doctorTrace(merchantSide.id, op, 'en');
  assert.deepEqual(asOperator.body.hops.map((h: Json) => h.party), ['issuer', 'network', 'acquirer']);
  // The same for people at a terminal (`cardlane doctor du_…`): each party's side, times in the reader's zone.
  const text = renderDisputeTrace((await doctorTrace(merchantSide.id, op, 'zh-CN')).body as Parameters<typeof renderDisputeTrace>[0], 'Asia/Shanghai');
  assert.match(text, /^争议 du_\w+ —— 运营视角\n争议金额 5\.00 USD：/);
  assert.match(text, /发卡行  idsp_\w+：已结案：商户胜诉/);
  assert.match(text, /  - .+  provisional_credit  \$5\.00\n/);
  assert.match(text, /卡组织  拒付 idsp_\w+\n  - .+  拒付（发卡行 → 收单行）：已受理 \(00\)/);
  assert.match(text, /收单机构  du_\w+（交易 ch_\w+）：商户胜诉/);
  assert.doesNotMatch(text, /\d{4}-\d\d-\d\dT/, 'no raw UTC times');
  assert.equal((await doctorTrace('du_0123456789abcdef', cardlane.demoMerchant.secret_key, 'en')).status, 404);
  assert.equal((await stripe.disputes.retrieve(merchantSide.id)).status, 'won');
  assert.equal(await merchantBalance(), startMerchant + 500);

  // Duplicate charge → the merchant accepts → the cardholder keeps the credit.
  const second = await payCard(300);
  const secondDispute = await issuer('POST', '/disputes', token, { authorization_id: await authorizationOf(second), reason: 'duplicate', evidence: 'Charged twice.' });
  assert.equal(secondDispute.body.network.reason_code, '12.6.1');
  const accepted = await stripe.disputes.close((await disputeOf(second.id))!.id);
  assert.equal(accepted.status, 'lost');
  assert.equal((await issuer('GET', `/disputes/${secondDispute.body.id}`, token)).body.status, 'won');
  assert.equal(await available(), startCard - 500, 'paid 300, got 300 back');

  // Evidence, then the operator decides for the cardholder.
  const third = await payCard(200);
  const thirdDispute = await issuer('POST', '/disputes', token, { authorization_id: await authorizationOf(third), reason: 'not_as_described' });
  await stripe.disputes.update((await disputeOf(third.id))!.id, { evidence: { product_description: 'As described.' } });
  assert.equal((await issuer('POST', `/operator/disputes/${thirdDispute.body.id}/decide`, op, { winner: 'cardholder' })).body.status, 'won');
  assert.equal((await disputeOf(third.id))!.status, 'lost');
  assert.equal(await available(), startCard - 500);

  // Refusals: a pending (uncaptured) payment, a payment older than 120 days, one not the cardholder's.
  const pending = await payCard(100, 'manual');
  const notSettled = await issuer('POST', '/disputes', token, { authorization_id: await authorizationOf(pending), reason: 'fraud' });
  assert.equal(notSettled.status, 409, JSON.stringify(notSettled.body));
  assert.equal(notSettled.body.error?.code ?? notSettled.body.code, 'dispute_not_settled');
  await stripe.paymentIntents.cancel(pending.id);
  const old = await payCard(100);
  const oldAuth = await authorizationOf(old);
  clock.advanceMs(121 * DAY_MS);
  const again = await signInDemoCardholder(); // the session expired meanwhile
  const tooLate = await issuer('POST', '/disputes', again, { authorization_id: oldAuth, reason: 'fraud' });
  assert.equal(tooLate.status, 409, JSON.stringify(tooLate.body));
  assert.equal(tooLate.body.error?.code ?? tooLate.body.code, 'dispute_time_limit_passed');
  assert.equal((await issuer('POST', '/disputes', again, { authorization_id: 'iauth_nope', reason: 'fraud' })).status, 404);
  const list = await issuer('GET', '/disputes', again);
  assert.equal(list.body.data.length, 3);
  await assertAudits();
});
