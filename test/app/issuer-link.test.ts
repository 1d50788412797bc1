import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { auditCardlane } from '../../src/app/audit.ts';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import { Iso8583IssuerClient, ISSUER_LINK_KEY_SECRET } from '../../src/network/index.ts';
import { encodeLinkFrame } from '../../src/network/iso8583/codec.ts';
import { frameOf } from '../../src/network/iso8583/frames.ts';
import { linkKeyOf, sealMessage } from '../../src/network/iso8583/message-mac.ts';
import type { RefundRequest } from '../../src/network/messages.ts';
import { getNetworkMessage } from '../../src/network/network-records.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { resolveMasterKey } from '../../src/platform/secrets/master-key.ts';
import { SecretStore } from '../../src/platform/secrets/secret-store.ts';
import { migratedTestLocation } from '../support/databases.ts';
import { closedWithin, linkProxy, rawConnection } from '../network/iso8583/link-proxy.ts';

// Cardlane with its own issuer behind the ISO 8583 link (`--issuer-link iso8583`): a merchant's payments through
// the Stripe-compatible API reach the issuer over TCP on 127.0.0.1 — approved, captured in part, refunded, and
// declined for insufficient funds with ISO 51 reaching the acquirer — and the ledger audit holds afterwards, with
// the network writing its own records (no AnswerRecorder crosses a wire). A local user who opens the issuer's port
// without the deployment's link key moves no money, and a captured frame changed on the way is refused. The link keeps
// itself alive with the settings given (echoes after 500 ms of quiet here, a silent connection closed after 2.5 s) and
// shows what it does on /metrics.

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
    // Far enough apart that a busy machine's slow turn of the event loop never closes a live connection.
    env: { CARDLANE_NETWORK_ISSUER_LINK_ECHO_INTERVAL_MS: '500', CARDLANE_NETWORK_ISSUER_LINK_IDLE_TIMEOUT_MS: '2500' },
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

/** The deployment's issuer link key, read from its secret store as every process of the deployment reads it. */
async function deploymentLinkKey(): Promise<Buffer> {
  const store = new SecretStore(cardlane.db, resolveMasterKey({ dataDir, masterKey: null, masterKeyFile: null }), () => clock.nowMs());
  const stored = await store.latest(ISSUER_LINK_KEY_SECRET.name);
  assert.ok(stored, 'the link key is in the secret store');
  return stored.bytes;
}

type DemoCard = { token: string; number: string; cvc: string; exp_month: number; exp_year: number };
let revealed: Promise<DemoCard> | null = null;

/**
 * The demo card, ready to pay with: the demo merchant's rules removed (it refuses prepaid cards on
 * customer-initiated payments, the seed's rule: not this file's subject) and the card revealed, once for all tests.
 */
function demoCard(): Promise<DemoCard> {
  revealed ??= (async () => {
    const auth = { authorization: `Bearer ${cardlane.demoMerchant.secret_key}` };
    const rules = (await (await fetch(`${cardlane.url}/v1/risk_rules`, { headers: auth })).json()) as { data: Array<{ id: string }> };
    for (const rule of rules.data) assert.equal((await fetch(`${cardlane.url}/v1/risk_rules/${rule.id}`, { method: 'DELETE', headers: auth })).status, 200);
    return revealCard();
  })();
  return revealed;
}

async function available(card: DemoCard): Promise<number> {
  return (await issuer('GET', `/cards/${cardlane.demoCardholder.card_id}`, card.token)).body.balance.available as number;
}

async function pay(card: DemoCard, amount: number, capture_method: 'automatic' | 'manual' = 'automatic'): Promise<Stripe.PaymentIntent> {
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: card.number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: card.cvc } });
  return stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: pm.id, confirm: true, capture_method });
}

/** The demo cardholder signs in and reveals the demo card (its number never leaves this test's memory). */
async function revealCard(): Promise<DemoCard> {
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
  const probe = new Iso8583IssuerClient({ name: 'probe', host: '127.0.0.1', port: Number(port), key: await deploymentLinkKey(), clock, connections: 1, echoIntervalMs: 0 });
  probe.connect();
  await probe.whenConnected(2_000);
  await probe.echo();
  await probe.close();

  const card = await demoCard();
  const start = await available(card);
  assert.ok(start >= 1_000, `the demo card has money (${start})`);

  // 0100 → 0110 approved; the capture is an 0220 completion.
  const paid = await pay(card, 500);
  assert.equal(paid.status, 'succeeded');
  assert.equal(await available(card), start - 500);
  const charge = await stripe.charges.retrieve(paid.latest_charge as string);
  const record = await getNetworkMessage(cardlane.db, (await cardlane.db.get<{ id: string }>("SELECT id FROM network_messages WHERE type = 'authorization' AND response_code = '00' ORDER BY answered_at_ms DESC LIMIT 1"))!.id);
  assert.deepEqual([record?.decidedBy, record?.issuer, record?.issuerOutcome, record?.issuerAuthorizationId], ['issuer', 'cardlane', 'answered', charge.authorization_code]);

  // Held, captured in part (0220, final: the rest is released), then refunded in part (0220, processing code 20).
  const held = await pay(card, 700, 'manual');
  assert.equal(held.status, 'requires_capture');
  assert.equal(await available(card), start - 1_200);
  assert.equal((await stripe.paymentIntents.capture(held.id, { amount_to_capture: 400 })).status, 'succeeded');
  assert.equal(await available(card), start - 900);
  assert.equal((await stripe.refunds.create({ payment_intent: held.id, amount: 100 })).status, 'succeeded');
  assert.equal(await available(card), start - 800);

  // More than the card holds: the issuer declines 51 and the acquirer hears it.
  const tooMuch = (await available(card)) + 1;
  const declined = await pay(card, tooMuch).then(
    () => assert.fail('a payment over the balance was approved'),
    (error: unknown) => error as Stripe.errors.StripeCardError,
  );
  assert.deepEqual([declined.code, declined.decline_code, (declined.raw as Json).network_decline_code], ['card_declined', 'insufficient_funds', '51']);
  const decline = await cardlane.db.get<{ response_code: string; decided_by: string; reason: string }>(
    "SELECT response_code, decided_by, reason FROM network_messages WHERE type = 'authorization' AND amount_minor = ?",
    [tooMuch],
  );
  assert.deepEqual(decline, { response_code: '51', decided_by: 'issuer', reason: 'insufficient_funds' });
  assert.equal(await available(card), start - 800, 'a decline holds nothing');

  const audit = await auditCardlane(cardlane.db, clock.nowMs());
  assert.equal(audit.ok, true, JSON.stringify(audit.checks.filter((c) => !c.ok)));
});

test('a local user without the link key moves no money through the issuer’s port; a captured refund with its amount changed is refused', async () => {
  const [, portText] = cardlane.issuerLink.address!.split(':');
  const port = Number(portText);
  // The key was made at first start and is kept sealed, like the deployment's other keys: never in clear in the database.
  const key = await deploymentLinkKey();
  assert.equal(key.length, 32);
  const row = await cardlane.db.get<{ ciphertext: string }>('SELECT ciphertext FROM platform_secrets WHERE name = ?', [ISSUER_LINK_KEY_SECRET.name]);
  assert.ok(row !== undefined && !row.ciphertext.includes(key.toString('hex')) && !row.ciphertext.includes(key.toString('base64url')));

  const card = await demoCard();
  const paid = await pay(card, 321);
  assert.equal(paid.status, 'succeeded');
  const original = await cardlane.db.get<{ id: string }>("SELECT id FROM network_messages WHERE type = 'authorization' AND amount_minor = 321 AND response_code = '00'");
  assert.ok(original);
  const refundOf = (id: string, minor: number): RefundRequest => ({ type: 'refund', id, originalId: original.id, amount: { minor, currency: 'USD' }, sentAtMs: clock.nowMs() });
  const trace = { transmittedAt: '0601090000', stan: '000001', rrn: '615209000001' };
  const before = await available(card);

  // The issuer's port, the right framing, a refund of that payment to the card: without a MAC, and with one under a key of its own.
  const attempts: Array<[string, (message: Buffer) => Buffer]> = [
    ['no MAC', (message) => message],
    ['a MAC under another key', (message) => sealMessage(linkKeyOf(randomBytes(32), 'attacker'), message)],
  ];
  for (const [i, [how, seal]] of attempts.entries()) {
    const socket = await rawConnection(port);
    socket.write(frameOf(seal(encodeLinkFrame({ trace, message: { kind: 'refund', request: refundOf(`attack_refund_${i}`, 300) } })), 12_288));
    assert.equal(await closedWithin(socket, 2_000), true, `${how}: the connection is closed`);
    assert.equal(await available(card), before, `${how}: no money moved`);
  }
  let audit = await auditCardlane(cardlane.db, clock.nowMs());
  assert.equal(audit.ok, true, JSON.stringify(audit.checks.filter((c) => !c.ok)));

  // A client holding the deployment's key is heard, through a hop that keeps a copy of every frame it sends.
  const proxy = await linkProxy(port);
  const keyed = new Iso8583IssuerClient({ name: 'cardlane', host: '127.0.0.1', port: proxy.port, key, clock, connections: 1, echoIntervalMs: 0 });
  try {
    keyed.connect();
    await keyed.whenConnected(2_000);
    assert.equal((await keyed.refund(refundOf('link_refund_1', 100))).responseCode, '00');
    assert.equal(await available(card), before + 100);

    // That refund as captured on the way (0220, processing code 200000, then element 4), with one digit of its amount changed.
    const captured = proxy.sent.find((frame) => frame.toString('latin1', 0, 4) === '0220')!;
    assert.deepEqual([captured.toString('latin1', 36, 42), captured.toString('latin1', 42, 54)], ['200000', '000000000100']);
    const tampered = Buffer.from(captured);
    tampered[51] = '9'.charCodeAt(0); // 000000000900
    const socket = await rawConnection(port);
    socket.write(frameOf(tampered, 12_288));
    assert.equal(await closedWithin(socket, 2_000), true, 'the changed frame closes its connection');
    assert.equal(await available(card), before + 100, 'and moves nothing');

    // Sent again unchanged, it is the same refund (same id): the issuer answers the repeat and moves nothing twice.
    const replay = await rawConnection(port);
    const answered = new Promise<Buffer>((resolve) => replay.once('data', resolve));
    replay.write(frameOf(captured, 12_288));
    assert.equal((await answered).toString('latin1', 2, 6), '0230');
    replay.destroy();
    assert.equal(await available(card), before + 100, 'a replay is a repeat');
  } finally {
    await keyed.close();
    await proxy.close();
  }

  // The network's own messages, MAC'd with the same key, still reach the issuer: a refund through the acquirer.
  assert.equal((await stripe.refunds.create({ payment_intent: paid.id, amount: 50 })).status, 'succeeded');
  assert.equal(await available(card), before + 150);
  audit = await auditCardlane(cardlane.db, clock.nowMs());
  assert.equal(audit.ok, true, JSON.stringify(audit.checks.filter((c) => !c.ok)));
});

/** /metrics (open on loopback) as `name{labels}` → value. */
async function metrics(): Promise<Map<string, number>> {
  const response = await fetch(`${cardlane.url}/metrics`);
  assert.equal(response.status, 200);
  const values = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

test('the link on /metrics: messages by type after a payment, a MAC failure, connections up, no reconnects or time-outs, no advice owed; a silent connection is closed at the bound set while the network’s stay', async () => {
  const sent = (side: string, mti: string) => `cardlane_issuer_link_messages_sent_total{side="${side}",mti="${mti}"}`;
  const received = (side: string, mti: string) => `cardlane_issuer_link_messages_received_total{side="${side}",mti="${mti}"}`;
  const macFailures = (side: string) => `cardlane_issuer_link_mac_failures_total{side="${side}"}`;
  const idleCloses = (side: string) => `cardlane_issuer_link_idle_closes_total{side="${side}"}`;
  const delta = (later: Map<string, number>, earlier: Map<string, number>, name: string) => (later.get(name) ?? 0) - (earlier.get(name) ?? 0);
  const card = await demoCard();
  const start = await metrics();

  // A payment, captured at once: 0100 → 0110, then the 0220 completion → 0230, each counted at both ends.
  assert.equal((await pay(card, 123)).status, 'succeeded');
  const paid = await metrics();
  for (const [name, change] of [
    [sent('network', '0100'), 1],
    [received('issuer', '0100'), 1],
    [sent('issuer', '0110'), 1],
    [received('network', '0110'), 1],
    [sent('network', '0220'), 1],
    [received('network', '0230'), 1],
  ] as const) {
    assert.equal(delta(paid, start, name), change, name);
  }
  assert.ok((paid.get(received('network', '0810')) ?? 0) >= 1, 'the network’s echoes are answered');

  // A frame sealed under another key: refused at the issuer's end, counted there.
  const [, portText] = cardlane.issuerLink.address!.split(':');
  const port = Number(portText);
  const trace = { transmittedAt: '0601090000', stan: '000001', rrn: '615209000001' };
  const stranger = await rawConnection(port);
  stranger.write(frameOf(sealMessage(linkKeyOf(randomBytes(32), 'attacker'), encodeLinkFrame({ trace, message: { kind: 'echo' } })), 12_288));
  assert.equal(await closedWithin(stranger, 2_000), true);
  const refused = await metrics();
  assert.equal(delta(refused, paid, macFailures('issuer')), 1);
  assert.equal(delta(refused, paid, macFailures('network')), 0);

  // A peer with the key that shows a right MAC once and then says nothing: closed after the 2.5 s set in the environment.
  const silent = await rawConnection(port);
  silent.write(frameOf(sealMessage(linkKeyOf(await deploymentLinkKey(), 'test'), encodeLinkFrame({ trace, message: { kind: 'echo' } })), 12_288));
  const started = performance.now();
  assert.equal(await closedWithin(silent, 6_000), true, 'the silent connection is closed');
  assert.ok(performance.now() - started >= 2_000, `closed after ${Math.round(performance.now() - started)} ms`);
  const end = await metrics();
  assert.ok(delta(end, refused, idleCloses('issuer')) >= 1);
  // The network's own connections, echoing after 500 ms of quiet, were never that silent.
  assert.equal(end.get('cardlane_issuer_link_connections_up'), 2);
  assert.equal(end.get('cardlane_issuer_link_reconnects_total'), 0);
  assert.equal(end.get(idleCloses('network')), 0);
  assert.equal(end.get('cardlane_issuer_link_timeouts_total'), 0);
  assert.equal(end.get('cardlane_issuer_link_owed_advices'), 0);
});
