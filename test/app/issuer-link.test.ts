import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { auditCardlane } from '../../src/app/audit.ts';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import { Iso8583IssuerClient } from '../../src/network/index.ts';
import { getNetworkMessage } from '../../src/network/network-records.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { migratedTestLocation } from '../support/databases.ts';

// Cardlane with its own issuer behind the ISO 8583 link (`--issuer-link iso8583`): a merchant's payments through
// the Stripe-compatible API reach the issuer over TCP on 127.0.0.1 — approved, captured in part, refunded, and
// declined for insufficient funds with ISO 51 reaching the acquirer — and the ledger audit holds afterwards, with
// the network writing its own records (no AnswerRecorder crosses a wire).

const clock = new ManualClock(Date.UTC(2026, 5, 1, 9));
const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-issuer-link-'));
let location: { url: string; remove(): Promise<void> };
let cardlane: Cardlane;
let stripe: Stripe;
let op: string;

type Json = Record<string, any>;

before(async () => {
  location = await migratedTestLocation();
  cardlane = await startCardlane({
    flags: { port: '0', database: location.url, dataDir, sectionFlags: { '--issuer-link': 'iso8583' } },
    env: {},
    clock,
    tasks: () => [],
    logger: createLogger({ level: 'silent' }),
  });
  const port = Number(new URL(cardlane.url).port);
  stripe = new Stripe(cardlane.demoMerchant.secret_key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  op = readFileSync(cardlane.operatorKeyFile!, 'utf8').trim();
});

after(async () => {
  await cardlane?.close();
  await location?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

async function issuer(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${cardlane.url}/issuer/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function latestCode(phone: string): Promise<string> {
  const sms = await issuer('GET', `/operator/sms?phone=${encodeURIComponent(phone)}`, op);
  return /\b(\d{6})\b/.exec(sms.body.data[0].body)![1]!;
}

/** The demo cardholder signs in and reveals the demo card (its number never leaves this test's memory). */
async function demoCard(): Promise<{ token: string; number: string; cvc: string; exp_month: number; exp_year: number }> {
  const phone = cardlane.demoCardholder.phone;
  assert.equal((await issuer('POST', '/sessions/code', undefined, { phone })).status, 200);
  const token = (await issuer('POST', '/sessions', undefined, { phone, code: await latestCode(phone) })).body.token as string;
  clock.advanceMs(61_000); // one SMS code a minute
  const cardId = cardlane.demoCardholder.card_id;
  assert.equal((await issuer('POST', `/cards/${cardId}/reveal-code`, token)).status, 200);
  const revealed = await issuer('POST', `/cards/${cardId}/reveal`, token, { code: await latestCode(phone) });
  assert.equal(revealed.status, 200, JSON.stringify(revealed.body));
  return { token, ...(revealed.body as { number: string; cvc: string; exp_month: number; exp_year: number }) };
}

test('payments reach Cardlane’s issuer over ISO 8583: approved, captured in part, refunded, declined 51; the audit holds', async () => {
  assert.equal(cardlane.issuerLink.mode, 'iso8583');
  assert.match(cardlane.issuerLink.address ?? '', /^127\.0\.0\.1:\d+$/);
  // The address is the issuer's live ISO 8583 server: it answers an echo (0800 → 0810).
  const [, port] = cardlane.issuerLink.address!.split(':');
  const probe = new Iso8583IssuerClient({ name: 'probe', host: '127.0.0.1', port: Number(port), clock, connections: 1, echoIntervalMs: 0 });
  probe.connect();
  await probe.whenConnected(2_000);
  await probe.echo();
  await probe.close();

  // The demo merchant refuses prepaid cards on customer-initiated payments (the seed's rule): not this test's subject.
  const auth = { authorization: `Bearer ${cardlane.demoMerchant.secret_key}` };
  const rules = (await (await fetch(`${cardlane.url}/v1/risk_rules`, { headers: auth })).json()) as { data: Array<{ id: string }> };
  for (const rule of rules.data) assert.equal((await fetch(`${cardlane.url}/v1/risk_rules/${rule.id}`, { method: 'DELETE', headers: auth })).status, 200);

  const card = await demoCard();
  const available = async () => (await issuer('GET', `/cards/${cardlane.demoCardholder.card_id}`, card.token)).body.balance.available as number;
  const pay = async (amount: number, capture_method: 'automatic' | 'manual' = 'automatic') => {
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: card.number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: card.cvc } });
    return stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: pm.id, confirm: true, capture_method });
  };
  const start = await available();
  assert.ok(start >= 1_000, `the demo card has money (${start})`);

  // 0100 → 0110 approved; the capture is an 0220 completion.
  const paid = await pay(500);
  assert.equal(paid.status, 'succeeded');
  assert.equal(await available(), start - 500);
  const charge = await stripe.charges.retrieve(paid.latest_charge as string);
  const record = await getNetworkMessage(cardlane.db, (await cardlane.db.get<{ id: string }>("SELECT id FROM network_messages WHERE type = 'authorization' AND response_code = '00' ORDER BY answered_at_ms DESC LIMIT 1"))!.id);
  assert.deepEqual([record?.decidedBy, record?.issuer, record?.issuerOutcome, record?.issuerAuthorizationId], ['issuer', 'cardlane', 'answered', charge.authorization_code]);

  // Held, captured in part (0220, final: the rest is released), then refunded in part (0220, processing code 20).
  const held = await pay(700, 'manual');
  assert.equal(held.status, 'requires_capture');
  assert.equal(await available(), start - 1_200);
  assert.equal((await stripe.paymentIntents.capture(held.id, { amount_to_capture: 400 })).status, 'succeeded');
  assert.equal(await available(), start - 900);
  assert.equal((await stripe.refunds.create({ payment_intent: held.id, amount: 100 })).status, 'succeeded');
  assert.equal(await available(), start - 800);

  // More than the card holds: the issuer declines 51 and the acquirer hears it.
  const tooMuch = (await available()) + 1;
  const declined = await pay(tooMuch).then(
    () => assert.fail('a payment over the balance was approved'),
    (error: unknown) => error as Stripe.errors.StripeCardError,
  );
  assert.deepEqual([declined.code, declined.decline_code, (declined.raw as Json).network_decline_code], ['card_declined', 'insufficient_funds', '51']);
  const decline = await cardlane.db.get<{ response_code: string; decided_by: string; reason: string }>(
    "SELECT response_code, decided_by, reason FROM network_messages WHERE type = 'authorization' AND amount_minor = ?",
    [tooMuch],
  );
  assert.deepEqual(decline, { response_code: '51', decided_by: 'issuer', reason: 'insufficient_funds' });
  assert.equal(await available(), start - 800, 'a decline holds nothing');

  const audit = await auditCardlane(cardlane.db, clock.nowMs());
  assert.equal(audit.ok, true, JSON.stringify(audit.checks.filter((c) => !c.ok)));
});
