import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import type { Cardlane } from '../../src/app/start.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { startInProcessCardlane, type InProcessCardlane } from '../support/in-process-cardlane.ts';
import { call, consoleSignIn, openTopUp, signUpCardholder, startKyc, type Json } from '../support/operator-console.ts';

// What the operator console lists under /issuer/v1/operator: the KYC queue, top-ups, withdrawals and
// disputes — operator only, newest first (oldest first to work a queue), filtered by status, paged by a cursor that neither repeats nor
// skips a row when new ones arrive, every bad parameter a 400 with a stable code; phones masked.

const clock = new ManualClock(Date.UTC(2026, 4, 2, 9));
let cardlane: Cardlane;
let op: string;

let started: InProcessCardlane | undefined;

before(async () => {
  started = await startInProcessCardlane('console-lists', clock);
  ({ cardlane, operatorKey: op } = started);
});

after(() => started?.close());

const operator = (path: string) => call(cardlane.url, 'GET', `/issuer/v1/operator${path}`, { bearer: op });

async function pages(path: string, limit: number): Promise<Json[][]> {
  const seen: Json[][] = [];
  let cursor: string | null = null;
  do {
    const answer = await operator(`${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    seen.push(answer.body.data);
    assert.equal(answer.body.has_more, answer.body.next_cursor !== null);
    cursor = answer.body.next_cursor;
  } while (cursor !== null && seen.length < 20);
  return seen;
}

test('the KYC queue: pending first by filter, newest first, a stable cursor, masked phones; operator only; bad parameters are 400s', async () => {
  const ids: string[] = [];
  for (const n of [1, 2, 3, 4, 5]) {
    const token = await signUpCardholder(cardlane.url, op, `+861380000020${n}`);
    ids.push(await startKyc(cardlane.url, token));
    clock.advanceMs(n === 3 ? 0 : 1_000); // two made in the same millisecond: the id keeps their order
  }
  const first = await operator('/kyc?status=pending&limit=2');
  assert.equal(first.status, 200);
  assert.deepEqual(first.body.data.map((v: Json) => v.id), [ids[4], ids[3]]);
  const item = first.body.data[0];
  assert.deepEqual(Object.keys(item).sort(), ['cardholder', 'completed_at', 'created_at', 'id', 'internal_note', 'legacy_reason_text', 'object', 'provider', 'reason', 'status']);
  assert.equal(item.cardholder.phone, '+86138****0205');
  assert.equal(JSON.stringify(first.body).includes('13800000205'), false, 'no full phone number');
  assert.equal(item.status, 'pending');
  assert.equal(item.created_at, new Date(Date.parse(item.created_at)).toISOString());

  // A new verification arrives between pages: it is at the head, and the next page goes on where the first stopped.
  const late = await startKyc(cardlane.url, await signUpCardholder(cardlane.url, op, '+8613800000206'));
  const second = await operator(`/kyc?status=pending&limit=2&cursor=${first.body.next_cursor}`);
  assert.deepEqual(second.body.data.map((v: Json) => v.id), [ids[2], ids[1]]);
  const all = (await pages('/kyc?status=pending', 2)).flat().map((v) => v.id);
  assert.deepEqual(all.slice(0, 6), [late, ids[4], ids[3], ids[2], ids[1], ids[0]]);
  assert.equal(new Set(all).size, all.length, 'no row twice');

  // Worked as a queue: oldest first, the one who has waited longest at the top, paged the same way — and one
  // that arrives between pages joins the end, not the page being read.
  const oldest = await operator('/kyc?status=pending&limit=2&order=oldest');
  assert.deepEqual(oldest.body.data.map((v: Json) => v.id), [ids[0], ids[1]]);
  const latest = await startKyc(cardlane.url, await signUpCardholder(cardlane.url, op, '+8613800000208'));
  const queue = (await pages('/kyc?status=pending&order=oldest', 2)).flat().map((v) => v.id);
  assert.deepEqual(queue, [ids[0], ids[1], ids[2], ids[3], ids[4], late, latest]);
  const next = await operator(`/kyc?status=pending&limit=2&order=oldest&cursor=${oldest.body.next_cursor}`);
  assert.deepEqual(next.body.data.map((v: Json) => v.id), [ids[2], ids[3]]);

  // Decided ones leave the pending queue and show under their status.
  assert.equal((await call(cardlane.url, 'POST', `/issuer/v1/operator/kyc/${ids[0]}/reject`, { bearer: op, body: { reason: 'document_unreadable', internal_note: 'The photo is blurred.' } })).status, 200);
  assert.equal((await call(cardlane.url, 'POST', `/issuer/v1/operator/kyc/${ids[1]}/approve`, { bearer: op })).status, 200);
  const pending = (await pages('/kyc?status=pending', 50)).flat().map((v) => v.id);
  assert.equal(pending.includes(ids[0]!) || pending.includes(ids[1]!), false);
  const rejected = (await operator('/kyc?status=rejected')).body.data;
  assert.deepEqual(rejected.map((v: Json) => [v.id, v.reason, v.internal_note]), [[ids[0], 'document_unreadable', 'The photo is blurred.']]);
  assert.ok(rejected[0].completed_at);
  const approved = (await operator('/kyc?status=approved')).body.data.map((v: Json) => v.id);
  assert.ok(approved.includes(ids[1]));

  for (const [query, param, code] of [
    ['?status=waiting', 'status', 'parameter_invalid'],
    ['?limit=0', 'limit', 'parameter_invalid'],
    ['?limit=101', 'limit', 'parameter_invalid'],
    ['?limit=ten', 'limit', 'parameter_invalid'],
    ['?cursor=bm90IGEgY3Vyc29y', 'cursor', 'parameter_invalid'],
    ['?cursor=%00', 'cursor', 'parameter_invalid'],
    [`?cursor=${Buffer.from(JSON.stringify([-1, 'x'])).toString('base64url')}`, 'cursor', 'parameter_invalid'],
    ['?sort=asc', 'sort', 'parameter_unknown'],
    ['?order=asc', 'order', 'parameter_invalid'],
  ] as const) {
    const refused = await operator(`/kyc${query}`);
    assert.equal(refused.status, 400, `${query}: ${JSON.stringify(refused.body)}`);
    assert.equal(refused.body.error.code, code, query);
    assert.equal(refused.body.error.param, param, query);
  }
  const cardholder = await signUpCardholder(cardlane.url, op, '+8613800000207');
  for (const bearer of [undefined, cardholder, 'op_notakey']) {
    const refused = await call(cardlane.url, 'GET', '/issuer/v1/operator/kyc', bearer === undefined ? {} : { bearer });
    assert.deepEqual([refused.status, refused.body.error?.code], [401, 'authentication_required']);
  }
});

test('top-ups and withdrawals with their status; the Alipay sandbox plays an open order with the console’s session', async () => {
  const token = await signUpCardholder(cardlane.url, op, '+8613800000301');
  const kyc = await startKyc(cardlane.url, token);
  assert.equal((await call(cardlane.url, 'POST', `/issuer/v1/operator/kyc/${kyc}/approve`, { bearer: op })).status, 200);
  const paid = await openTopUp(cardlane.url, token, 100_000);
  clock.advanceMs(1_000);
  const open = await openTopUp(cardlane.url, token, 20_000);

  const created = await operator('/top-ups?status=created');
  assert.equal(created.status, 200);
  assert.deepEqual(created.body.data.map((o: Json) => o.id).slice(0, 2), [open, paid]);
  const order = created.body.data[0];
  assert.deepEqual([order.cny_amount.formatted, order.cny_amount.currency, order.cardholder.phone], ['¥200.00', 'CNY', '+86138****0301']);

  const { cookie, csrf } = await consoleSignIn(cardlane.url, op);
  const played = await call(cardlane.url, 'POST', `/issuer/v1/operator/sandbox/alipay/${paid}/pay`, { cookie, csrf });
  assert.equal(played.status, 200, JSON.stringify(played.body));
  assert.equal(played.body.top_up.status, 'credited');
  const credited = (await operator('/top-ups?status=credited')).body.data.map((o: Json) => o.id);
  assert.ok(credited.includes(paid));
  assert.equal((await operator('/top-ups?status=created')).body.data.some((o: Json) => o.id === paid), false);
  const everything = (await pages('/top-ups', 1)).flat().map((o) => o.id);
  assert.ok(everything.includes(paid) && everything.includes(open));
  assert.equal(new Set(everything).size, everything.length);

  const withdrawal = await call(cardlane.url, 'POST', '/issuer/v1/wallet/withdrawals', { bearer: token, body: { amount: 2_000 } });
  assert.equal(withdrawal.status, 200, JSON.stringify(withdrawal.body));
  const listed = (await operator('/withdrawals')).body.data;
  assert.equal(listed[0].id, withdrawal.body.id);
  assert.deepEqual([listed[0].amount.amount_minor, listed[0].cardholder.phone], [2_000, '+86138****0301']);
  assert.ok(['pending', 'paid'].includes(listed[0].status));
  const byStatus = (await operator(`/withdrawals?status=${listed[0].status}`)).body.data.map((w: Json) => w.id);
  assert.ok(byStatus.includes(withdrawal.body.id));
  assert.equal((await operator('/withdrawals?status=refunded')).status, 400);
});

test('disputes awaiting the operator’s decision: listed with both sides’ words, the card by its last four; decided with the session', async () => {
  // The demo merchant refuses prepaid cards on customer-initiated payments (the seed's rule); this test is not about that.
  const secret = cardlane.demoMerchant.secret_key;
  const port = Number(new URL(cardlane.url).port);
  const stripe = new Stripe(secret, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  for (const rule of (await call(cardlane.url, 'GET', '/v1/risk_rules', { bearer: secret })).body.data as Json[]) {
    assert.equal((await call(cardlane.url, 'DELETE', `/v1/risk_rules/${rule.id}`, { bearer: secret })).status, 200);
  }
  const phone = cardlane.demoCardholder.phone;
  clock.advanceMs(61_000); // one text a minute to a phone
  const token = await signUpCardholder(cardlane.url, op, phone);
  const cardId = cardlane.demoCardholder.card_id;
  clock.advanceMs(61_000);
  assert.equal((await call(cardlane.url, 'POST', `/issuer/v1/cards/${cardId}/reveal-code`, { bearer: token })).status, 200);
  const sms = await call(cardlane.url, 'GET', `/issuer/v1/operator/sms?phone=${encodeURIComponent(phone)}`, { bearer: op });
  const code = /\b(\d{6})\b/.exec(sms.body.data[0].body)![1];
  const card = (await call(cardlane.url, 'POST', `/issuer/v1/cards/${cardId}/reveal`, { bearer: token, body: { code } })).body;
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: card.number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: card.cvc } });
  const pi = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: pm.id, confirm: true });
  assert.equal(pi.status, 'succeeded');
  const statement = (await call(cardlane.url, 'GET', `/issuer/v1/cards/${cardId}/statement?limit=100`, { bearer: token })).body.data as Json[];
  const authorization = statement.find((l) => l.type === 'authorization' && l.amount === -700)!.authorization as string;
  const opened = await call(cardlane.url, 'POST', '/issuer/v1/disputes', { bearer: token, body: { authorization_id: authorization, reason: 'product_not_received', evidence: 'It never arrived.' } });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));

  assert.equal((await operator('/disputes?status=merchant_responded')).body.data.length, 0, 'not yet answered');
  assert.equal((await operator('/disputes?status=chargeback_sent')).body.data[0].id, opened.body.id);
  const merchantSide = (await stripe.disputes.list({ payment_intent: pi.id })).data[0]!;
  await stripe.disputes.update(merchantSide.id, { evidence: { shipping_tracking_number: '1Z999', shipping_carrier: 'UPS' } });

  const waiting = (await operator('/disputes?status=merchant_responded')).body.data;
  assert.equal(waiting.length, 1);
  const dispute = waiting[0];
  assert.deepEqual(
    [dispute.id, dispute.status, dispute.reason, dispute.amount.amount_minor, dispute.provisional_credit.amount_minor, dispute.evidence, dispute.merchant_evidence.shipping_carrier],
    [opened.body.id, 'merchant_responded', 'product_not_received', 700, 700, 'It never arrived.', 'UPS'],
  );
  assert.equal(dispute.card.last4, card.number.slice(-4));
  assert.equal(JSON.stringify(dispute).includes(card.number), false, 'never the card number');
  assert.ok(typeof dispute.merchant_name === 'string' && dispute.merchant_name.length > 0);

  const { cookie, csrf } = await consoleSignIn(cardlane.url, op);
  const decided = await call(cardlane.url, 'POST', `/issuer/v1/operator/disputes/${dispute.id}/decide`, { cookie, csrf, body: { winner: 'cardholder' } });
  assert.equal(decided.status, 200, JSON.stringify(decided.body));
  assert.equal((await operator('/disputes?status=merchant_responded')).body.data.length, 0);
  const again = await call(cardlane.url, 'POST', `/issuer/v1/operator/disputes/${dispute.id}/decide`, { cookie, csrf, body: { winner: 'merchant' } });
  assert.deepEqual([again.status, again.body.error?.code], [409, 'dispute_not_decidable']);
  const audit = await cardlane.auditLedger();
  assert.equal(audit.ok, true);
});
