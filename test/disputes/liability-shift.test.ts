import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Stripe from 'stripe';
import { auditAcquirerDisputes } from '../../src/acquirer/disputes/dispute-ledger.ts';
import { startCardlane } from '../../src/app/start.ts';
import { auditIssuerDisputes } from '../../src/issuer/disputes/dispute-ledger.ts';
import { Ledger } from '../../src/ledger/index.ts';
import { DisputeRouter } from '../../src/network/disputes/dispute-router.ts';
import { fraudLiabilityShifted } from '../../src/network/disputes/reason-codes.ts';
import { DISPUTE_REASONS } from '../../src/network/index.ts';
import type { AuthorizationRequest, ChargebackRequest, DisputeAcquirerEndpoint } from '../../src/network/messages.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestLocation } from '../support/databases.ts';
import type { LedgerFixture } from '../support/ledger-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';
import { authorization, clearing, networkFixture, nextId, START_MS } from '../network/network-fixture.ts';

// 3-D Secure liability shift. A payment the issuer authenticated (ECI 05 Visa / 02 Mastercard, or an acknowledged
// attempt 06 / 01) moves fraud liability to the issuer: the network keeps the ECI with its record of the
// authorization and refuses a fraud chargeback on it (12 liability_shifted), while other reasons still go through.
// Before, the network kept no ECI and carried the fraud chargeback, and the merchant lost the money and the fee.
// Cardlane's own issuer, told so, keeps the loss itself (the cardholder keeps the credit; its books still balance),
// and the merchant's charge shows how the payment was authenticated (payment_method_details.card.three_d_secure).

test('the network records an authorization\'s ECI and refuses a fraud chargeback on an authenticated payment; other reasons and unauthenticated payments go through', async () => {
  const f = await networkFixture();
  const network = testPaymentNetwork(f as unknown as LedgerFixture);
  const router = new DisputeRouter({ db: f.db, clock: f.clock, timeoutMs: 1_000 });
  const delivered: ChargebackRequest[] = [];
  const acquirer: DisputeAcquirerEndpoint = {
    acquirerId: 'cardlane-acquirer',
    async receiveChargeback(request) {
      delivered.push(request);
      return { type: 'dispute_response', id: request.id, responseCode: '00', reason: 'opened', receiverRef: 'du_1', decidedBy: 'issuer' };
    },
    async receiveDecision(request) {
      return { type: 'dispute_response', id: request.id, responseCode: '00', reason: 'closed', receiverRef: 'du_1', decidedBy: 'issuer' };
    },
  };
  router.connectAcquirer(acquirer);
  try {
    /** A cleared payment; authenticated first (the test bank's frictionless 3-D Secure) when asked. */
    const payment = async (pan: string, authenticated: boolean): Promise<string> => {
      let request: AuthorizationRequest = authorization(pan);
      if (authenticated) {
        const answer = await network.authenticate({
          type: 'authentication', id: nextId('3ds'), purpose: 'purchase', card: { ...request.card, cvv2: null }, amount: request.amount,
          merchant: request.merchant, notificationUrl: '/acquirer/3ds/return/x', sentAtMs: START_MS,
        });
        assert.equal(answer.status, 'authenticated', JSON.stringify(answer));
        request = { ...request, authentication: answer.authentication! };
      }
      assert.equal((await network.authorize(request)).responseCode, '00');
      assert.equal((await network.clear(clearing(request.id, 1_000, true))).responseCode, '00');
      return request.id;
    };
    const eciOf = async (id: string) => (await f.db.get<{ eci: string | null }>(`SELECT eci FROM network_messages WHERE id = ?`, [id]))!.eci;
    const chargeback = (originalId: string, category: 'fraud' | 'product_not_received', brand: 'visa' | 'mastercard', kind: 'chargeback' | 'inquiry' = 'chargeback'): ChargebackRequest => ({
      type: 'chargeback', id: nextId('cb'), sender: 'test-bank', originalId, kind, category, reasonCode: DISPUTE_REASONS[category][brand].code,
      amount: { minor: 1_000, currency: 'USD' }, cardholderStatement: 'not me', respondByMs: START_MS + 7 * 86_400_000, sentAtMs: START_MS,
    });

    const visa = await payment('4242424242424242', true);
    assert.equal(await eciOf(visa), '05', 'the ECI is kept with the authorization');
    const refused = await router.chargeback(chargeback(visa, 'fraud', 'visa'));
    assert.deepEqual([refused.responseCode, refused.reason, refused.decidedBy], ['12', 'liability_shifted', 'network']);
    assert.equal(delivered.length, 0, 'the merchant never hears of it');

    const mastercard = await payment('5555555555554444', true);
    assert.equal(await eciOf(mastercard), '02', 'Mastercard\'s fully authenticated ECI');
    assert.equal((await router.chargeback(chargeback(mastercard, 'fraud', 'mastercard'))).reason, 'liability_shifted');

    // Not about who made the payment: the merchant still answers for the goods.
    const notReceived = await router.chargeback(chargeback(await payment('4242424242424242', true), 'product_not_received', 'visa'));
    assert.equal(notReceived.responseCode, '00');
    // An inquiry moves no money: it is carried.
    assert.equal((await router.chargeback(chargeback(await payment('4242424242424242', true), 'fraud', 'visa', 'inquiry'))).responseCode, '00');
    // Without 3-D Secure the merchant carries the fraud, as before.
    const plain = await payment('4242424242424242', false);
    assert.equal(await eciOf(plain), null);
    assert.equal((await router.chargeback(chargeback(plain, 'fraud', 'visa'))).responseCode, '00');
    assert.equal(delivered.length, 3);

    // The rule itself: full authentication or an acknowledged attempt, by the scheme's own values; fraud only.
    assert.deepEqual(
      [['visa', '05'], ['visa', '06'], ['visa', '07'], ['mastercard', '02'], ['mastercard', '01'], ['mastercard', '05'], ['amex', '05']].map(([brand, eci]) => fraudLiabilityShifted('fraud', brand!, eci!)),
      [true, true, false, true, true, false, true],
    );
    assert.equal(fraudLiabilityShifted('not_as_described', 'visa', '05'), false);
    assert.equal(fraudLiabilityShifted('fraud', 'visa', null), false);
  } finally {
    await network.idle();
    await f.cleanup();
  }
});

type Json = Record<string, any>;

test('Cardlane\'s cards with 3-D Secure: the charge shows the challenge; a fraud claim on a payment the cardholder confirmed is refused, one on a frictionless payment is the issuer\'s loss, a not-received one is charged back; the books balance', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-liability-shift-'));
  // Cardlane's card program asks for 3-D Secure on every customer-initiated payment.
  writeFileSync(join(dataDir, 'cardlane.json'), JSON.stringify({ issuer: { threeDSecure: 'always' } }));
  const location = newTestLocation();
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  const cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, clock, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  try {
    const op = readFileSync(cardlane.operatorKeyFile!, 'utf8').trim();
    const issuer = async (method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Json }> => {
      const response = await fetch(`${cardlane.url}/issuer/v1${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Json };
    };
    const phone = cardlane.demoCardholder.phone;
    const smsCode = async (): Promise<string> => /\b(\d{6})\b/.exec((await issuer('GET', `/operator/sms?phone=${encodeURIComponent(phone)}`, op)).body.data[0].body)![1]!;

    const made = await fetch(`${cardlane.url}/acquirer/v1/merchants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Poe', country: 'US', mcc: '5734', settlement_currency: 'usd' }),
    });
    assert.equal(made.status, 201);
    const merchantKey = ((await made.json()) as { secret_key: string }).secret_key;
    const stripe = new Stripe(merchantKey, { host: '127.0.0.1', port: Number(new URL(cardlane.url).port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
    const merchantBalance = async () => (await stripe.balance.retrieve()).available.find((b) => b.currency === 'usd')?.amount ?? 0;

    const cardId = cardlane.demoCardholder.card_id;
    assert.equal((await issuer('POST', '/sessions/code', undefined, { phone })).status, 200);
    const token = (await issuer('POST', '/sessions', undefined, { phone, code: await smsCode() })).body.token as string;
    clock.advanceMs(61_000); // one code a minute
    assert.equal((await issuer('POST', `/cards/${cardId}/reveal-code`, token)).status, 200);
    const card = (await issuer('POST', `/cards/${cardId}/reveal`, token, { code: await smsCode() })).body;

    /** A customer-initiated payment through the issuer's challenge (the code it texts), as the customer's browser goes. */
    const pay = async (amount: number): Promise<{ pi: Stripe.PaymentIntent; authorization: string }> => {
      const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: card.number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: card.cvc } });
      const pi = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: pm.id, confirm: true, return_url: 'https://shop.example/done' });
      assert.equal(pi.status, 'requires_action');
      const pageUrl = pi.next_action!.redirect_to_url!.url!;
      clock.advanceMs(61_000);
      const html = await (await fetch(pageUrl, { redirect: 'manual' })).text();
      const form = /<form method="post" action="([^"]+)"/.exec(html);
      assert.ok(form, html.slice(0, 300));
      const posted = await fetch(new URL(form[1]!.replace(/&amp;/g, '&'), pageUrl), {
        method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ action: 'code', code: await smsCode() }).toString(),
      });
      assert.equal(posted.status, 303);
      const back = await fetch(new URL(posted.headers.get('location')!, pageUrl), { redirect: 'manual' });
      assert.match(back.headers.get('location') ?? '', /redirect_status=succeeded/);
      const done = await stripe.paymentIntents.retrieve(pi.id);
      assert.equal(done.status, 'succeeded');
      const lines = (await issuer('GET', `/cards/${cardId}/statement?limit=100`, token)).body.data as Json[];
      const line = lines.find((l) => l.type === 'authorization' && l.amount === -amount)!;
      assert.ok(line, JSON.stringify(lines));
      return { pi: done, authorization: line.authorization as string };
    };

    const start = await merchantBalance();
    const stolen = await pay(700);
    const charge = await stripe.charges.retrieve(stolen.pi.latest_charge as string);
    const secure = charge.payment_method_details!.card!.three_d_secure!;
    assert.ok(secure, 'the charge shows its 3-D Secure result');
    assert.deepEqual(
      { flow: secure.authentication_flow, result: secure.result, reason: secure.result_reason, version: secure.version, eci: (secure as unknown as Json).electronic_commerce_indicator },
      { flow: 'challenge', result: 'authenticated', reason: null, version: '2.2.0', eci: '05' },
    );
    assert.ok(typeof secure.transaction_id === 'string' && secure.transaction_id.length > 0);

    // "This was not me" about a payment the cardholder confirmed with the code texted to their phone: the issuer's own
    // record refutes it, and the network would refuse the chargeback (liability shifted) — so the issuer refuses the
    // claim itself rather than pay for the cardholder's own purchase. Nothing is opened, credited or sent.
    const refused = await issuer('POST', '/disputes', token, { authorization_id: stolen.authorization, reason: 'fraud', evidence: 'I never made this payment.' });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'dispute_cardholder_authenticated');
    assert.equal(refused.body.error.param, 'reason');
    assert.equal(Number((await cardlane.db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM issuer_disputes`))?.n), 0);
    assert.equal(Number((await cardlane.db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM network_dispute_messages`))?.n), 0);

    // A payment authenticated without the cardholder typing a code (frictionless: the issuer judged the risk low — this
    // card program always challenges, so the record is made so here) leaves "this was not me" possible: the network
    // refuses the fraud chargeback (liability shifted) and the issuer bears the loss, the cardholder keeps the money.
    await cardlane.db.run(
      `UPDATE issuer_authentications SET reason = 'frictionless' WHERE used_by_request_id = (SELECT request_id FROM issuer_authorizations WHERE id = ?)`,
      [stolen.authorization],
    );
    const fraud = await issuer('POST', '/disputes', token, { authorization_id: stolen.authorization, reason: 'fraud', evidence: 'I never made this payment.' });
    assert.equal(fraud.status, 200, JSON.stringify(fraud.body));
    assert.equal(fraud.body.status, 'won', JSON.stringify(fraud.body));
    assert.equal(fraud.body.provisional_credit, 700, 'the cardholder keeps the credit');
    const messages = await cardlane.db.all<{ type: string; response_code: string; reason: string }>(
      `SELECT type, response_code, reason FROM network_dispute_messages WHERE chargeback_id = ?`, [fraud.body.id],
    );
    assert.deepEqual(messages, [{ type: 'chargeback', response_code: '12', reason: 'liability_shifted' }]);
    assert.equal((await stripe.disputes.list({ payment_intent: stolen.pi.id })).data.length, 0, 'no dispute at the merchant');
    assert.equal(await merchantBalance(), start + 700, 'the merchant keeps the payment and pays no fee');
    const losses = await cardlane.db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ledger_transfers WHERE id = ?`, [`idsp:${fraud.body.id}:liability_loss`]);
    assert.equal(Number(losses?.n), 1, 'the issuer booked the loss as its own');

    // The doctor says why, in both languages.
    const trace = async (lang: string) => (await (await fetch(`${cardlane.url}/doctor/v1/traces/${fraud.body.id}?lang=${lang}`, { headers: { authorization: `Bearer ${op}` } })).json()) as Json;
    const answerIn = async (lang: string) => ((await trace(lang)).hops as Json[]).find((h) => h.party === 'network')!.messages[0].answer as string;
    assert.match(await answerIn('en'), /authenticated with 3-D Secure.*card issuer/);
    assert.match(await answerIn('zh-CN'), /3-D 安全验证.*发卡行/);

    // Not received: not about who paid — the merchant is charged back as usual.
    const undelivered = await pay(500);
    const notReceived = await issuer('POST', '/disputes', token, { authorization_id: undelivered.authorization, reason: 'product_not_received', evidence: 'It never arrived.' });
    assert.equal(notReceived.body.status, 'chargeback_sent', JSON.stringify(notReceived.body));
    const merchantSide = (await stripe.disputes.list({ payment_intent: undelivered.pi.id })).data[0];
    assert.ok(merchantSide);
    assert.deepEqual([merchantSide.status, merchantSide.reason], ['needs_response', 'product_not_received']);
    await stripe.disputes.close(merchantSide.id);

    const ledger = new Ledger(clock);
    const report = await cardlane.auditLedger();
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.deepEqual(await auditIssuerDisputes(ledger, cardlane.db), []);
    assert.deepEqual(await auditAcquirerDisputes(ledger, cardlane.db), []);
  } finally {
    await cardlane.close();
    const db = openDatabase(location.url);
    if (db instanceof PostgresDatabase) await db.dropSchema();
    await db.close();
    location.remove();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
