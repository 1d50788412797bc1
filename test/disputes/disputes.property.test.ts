import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import Stripe from 'stripe';
import { auditAcquirerDisputes } from '../../src/acquirer/disputes/dispute-ledger.ts';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import { auditIssuerDisputes, DISPUTE_LOSSES, DISPUTE_SUSPENSE } from '../../src/issuer/disputes/dispute-ledger.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestLocation } from '../support/databases.ts';

// No sequence of dispute steps creates or loses money: for a Cardlane card
// payment disputed in any order of steps — any amount, with or without
// provisional credit, the merchant submitting, accepting, refunding or
// letting the deadline pass, the operator deciding either way, every
// message and job repeated — what the cardholder gains is exactly what the
// merchant loses (besides the dispute fee, which goes to the acquirer), the
// issuer's suspense returns to zero, and every audit passes.

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-dispute-prop-'));
const location = newTestLocation();
const clock = new ManualClock(Date.UTC(2026, 4, 1));
let cardlane: Cardlane;
let stripe: Stripe;
let ledger: Ledger;
let op: string;
let token: string;
let card: { number: string; cvc: string; exp_month: number; exp_year: number };

type Json = Record<string, any>;
async function issuer(method: string, path: string, auth?: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${cardlane.url}/issuer/v1${path}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}
async function smsCode(): Promise<string> {
  const sms = await issuer('GET', `/operator/sms?phone=${encodeURIComponent(cardlane.demoCardholder.phone)}`, op);
  return /\b(\d{6})\b/.exec(sms.body.data[0].body)![1]!;
}

async function signIn(): Promise<string> {
  await issuer('POST', '/sessions/code', undefined, { phone: cardlane.demoCardholder.phone });
  return (await issuer('POST', '/sessions', undefined, { phone: cardlane.demoCardholder.phone, code: await smsCode() })).body.token;
}

before(async () => {
  cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, clock, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  stripe = new Stripe(cardlane.demoMerchant.secret_key, { host: '127.0.0.1', port: Number(new URL(cardlane.url).port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  ledger = new Ledger(clock);
  op = readFileSync(cardlane.operatorKeyFile!, 'utf8').trim();
  const auth = { authorization: `Bearer ${cardlane.demoMerchant.secret_key}` };
  const rules = (await (await fetch(`${cardlane.url}/v1/risk_rules`, { headers: auth })).json()) as { data: Array<{ id: string }> };
  for (const rule of rules.data) await fetch(`${cardlane.url}/v1/risk_rules/${rule.id}`, { method: 'DELETE', headers: auth });
  token = await signIn();
  clock.advanceMs(61_000);
  await issuer('POST', `/cards/${cardlane.demoCardholder.card_id}/reveal-code`, token);
  card = (await issuer('POST', `/cards/${cardlane.demoCardholder.card_id}/reveal`, token, { code: await smsCode() })).body as typeof card;
});

after(async () => {
  await cardlane?.close();
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

const posted = async (account: string) => {
  const b = await ledger.getBalance(cardlane.db, account);
  return b ? b.credits_posted - b.debits_posted : 0;
};

const merchantAction = fc.constantFrom('submit', 'accept', 'refund_then_accept', 'deadline', 'stage_then_submit');
const scenario = fc.record({
  amount: fc.integer({ min: 50, max: 130 }),
  partialPercent: fc.integer({ min: 10, max: 100 }),
  provisional: fc.boolean(),
  merchant: merchantAction,
  winner: fc.constantFrom('cardholder' as const, 'merchant' as const),
  repeats: fc.integer({ min: 0, max: 2 }),
});

test('no sequence of dispute steps creates or loses money', { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      const log = (m: string) => process.env.DEBUG_DISPUTES && process.stderr.write(`${JSON.stringify(s)} ${m}\n`);
      log('start');
      await issuer('PATCH', '/operator/settings', op, { dispute_provisional_credit: s.provisional ? 1 : 0 });
      const cardAccount = `iss:card:${cardlane.demoCardholder.card_id}`;
      const merchantAccount = `acq:merchant:${cardlane.demoMerchant.merchant_id}:USD`;
      const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: card.number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: card.cvc } });
      const pi = await stripe.paymentIntents.create({ amount: s.amount, currency: 'usd', payment_method: pm.id, confirm: true });
      const charge = await stripe.charges.retrieve(pi.latest_charge as string);
      const [authorization] = await cardlane.db.all<{ id: string }>(`SELECT id FROM issuer_authorizations WHERE request_id = ?`, [charge.payment_method_details!.card!.network_transaction_id]);
      const before = { card: await posted(cardAccount), merchant: await posted(merchantAccount), suspense: await posted(DISPUTE_SUSPENSE), losses: await posted(DISPUTE_LOSSES) };
      const disputed = Math.max(1, Math.floor((s.amount * s.partialPercent) / 100));
      log('paid');
      const opened = await issuer('POST', '/disputes', token, { authorization_id: authorization!.id, reason: 'not_as_described', amount: disputed });
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      const dispute = (await stripe.disputes.list({ payment_intent: pi.id })).data[0]!;
      for (let i = 0; i < s.repeats; i++) await cardlane.runTask('issuer.dispute-messages');
      log('opened');
      switch (s.merchant) {
        case 'submit':
          await stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'delivered' } });
          break;
        case 'stage_then_submit':
          await stripe.disputes.update(dispute.id, { evidence: { customer_name: 'A' }, submit: false });
          await stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'delivered' } });
          break;
        case 'accept':
          await stripe.disputes.close(dispute.id);
          break;
        case 'refund_then_accept':
          await assert.rejects(stripe.refunds.create({ payment_intent: pi.id }), (e: Stripe.errors.StripeError) => e.code === 'charge_disputed');
          await stripe.disputes.close(dispute.id);
          break;
        case 'deadline':
          clock.advanceMs(dispute.evidence_details.due_by! * 1000 - clock.nowMs() + 1);
          token = await signIn(); // a week later the session has expired
          break;
      }
      log('merchant acted');
      for (let i = 0; i <= s.repeats; i++) await cardlane.runTask('acquirer.dispute-deadlines');
      log('deadlines');
      const state = (await issuer('GET', `/disputes/${opened.body.id}`, token)).body;
      if (state.status === 'merchant_responded') {
        for (let i = 0; i <= s.repeats; i++) await issuer('POST', `/operator/disputes/${opened.body.id}/decide`, op, { winner: s.winner });
      }
      for (let i = 0; i < s.repeats; i++) await cardlane.runTask('issuer.dispute-messages');
      log('decided');
      const closed = (await issuer('GET', `/disputes/${opened.body.id}`, token)).body;
      const merchantSide = await stripe.disputes.retrieve(dispute.id);
      assert.ok(['won', 'lost'].includes(closed.status), closed.status);
      assert.equal(merchantSide.status, closed.status === 'won' ? 'lost' : 'won', 'the two sides agree');
      const after = { card: await posted(cardAccount), merchant: await posted(merchantAccount), suspense: await posted(DISPUTE_SUSPENSE), losses: await posted(DISPUTE_LOSSES) };
      const cardholderGain = after.card - before.card - (after.losses - before.losses);
      const merchantLoss = before.merchant - after.merchant;
      const fee = closed.status === 'won' ? 1500 : 0;
      assert.equal(after.suspense, before.suspense, 'suspense nets to zero');
      assert.equal(cardholderGain, closed.status === 'won' ? disputed : 0);
      assert.equal(merchantLoss, cardholderGain + fee, 'the cardholder gains what the merchant loses, besides the fee');
      assert.deepEqual(await auditIssuerDisputes(ledger, cardlane.db), []);
      assert.deepEqual(await auditAcquirerDisputes(ledger, cardlane.db), []);
    }),
    { numRuns: Number(process.env.CARDLANE_DISPUTE_RUNS ?? 25), seed: Number(process.env.CARDLANE_SEED ?? 17), endOnFailure: true, verbose: 2 },
  );
  const report = await cardlane.auditLedger();
  assert.equal(report.ok, true, JSON.stringify(report));
});
