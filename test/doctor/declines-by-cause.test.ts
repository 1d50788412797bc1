import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Cardlane } from '../../src/app/start.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { startInProcessCardlane, type InProcessCardlane } from '../support/in-process-cardlane.ts';
import { call, consoleSignIn, payAtDemoMerchant, signUpCardholder, type Json } from '../support/operator-console.ts';

// The operator's authorizations and declines over a period (GET /doctor/v1/declines/summary and
// /doctor/v1/declines): the network's answers counted, each decline filed under the doctor's cause with its
// response code and reason; the latest declines newest first by a stable cursor; the card by its last four.

const START_MS = Date.UTC(2026, 4, 3, 9);
const clock = new ManualClock(START_MS);
const HOUR_MS = 3600_000;
let cardlane: Cardlane;
let op: string;

let started: InProcessCardlane | undefined;

before(async () => {
  started = await startInProcessCardlane('declines', clock);
  ({ cardlane, operatorKey: op } = started);
});

after(() => started?.close());

const iso = (ms: number) => new Date(ms).toISOString();
const doctor = (path: string, options: { bearer?: string; cookie?: string } = { bearer: op }) => call(cardlane.url, 'GET', `/doctor/v1${path}`, options);
const windowQuery = (fromMs: number, toMs: number) => `from=${encodeURIComponent(iso(fromMs))}&to=${encodeURIComponent(iso(toMs))}`;

test('declines by cause over a period: counted once each, under the doctor’s cause, with code, reason and both languages’ titles', async () => {
  const secret = cardlane.demoMerchant.secret_key;
  const pay = (pm: string, amount: number) => payAtDemoMerchant(cardlane.url, secret, pm, amount);
  // Before the period: one decline that must not be counted.
  assert.equal((await pay('pm_card_chargeDeclinedInsufficientFunds', 1_500)).declineCode, 'insufficient_funds');
  clock.advanceMs(2 * HOUR_MS);
  const fromMs = clock.nowMs();
  assert.equal((await pay('pm_card_visa', 1_000)).status, 200);
  clock.advanceMs(1_000);
  assert.equal((await pay('pm_card_chargeDeclinedInsufficientFunds', 2_500)).declineCode, 'insufficient_funds');
  clock.advanceMs(1_000);
  assert.equal((await pay('pm_card_chargeDeclinedInsufficientFunds', 2_600)).declineCode, 'insufficient_funds');
  clock.advanceMs(1_000);
  assert.equal((await pay('pm_card_chargeDeclinedExpiredCard', 3_000)).declineCode, 'expired_card');
  clock.advanceMs(1_000);
  const toMs = clock.nowMs() + 1;

  const summary = await doctor(`/declines/summary?${windowQuery(fromMs, toMs)}`);
  assert.equal(summary.status, 200, JSON.stringify(summary.body));
  assert.deepEqual([summary.body.authorizations, summary.body.approved, summary.body.declined], [4, 1, 3]);
  const funds = summary.body.causes.find((c: Json) => c.seed_cause === 'insufficient_funds_or_limit');
  assert.ok(funds, JSON.stringify(summary.body.causes));
  assert.equal(funds.count, 2);
  assert.deepEqual(funds.groups.map((g: Json) => [g.decided_by, g.response_code, g.reason, g.count]), [['issuer', '51', 'insufficient_funds', 2]]);
  assert.match(funds.title['zh-CN'], /余额不足/);
  assert.match(funds.title.en, /balance/);
  assert.match(funds.groups[0].title.en, /\S/);
  assert.match(funds.groups[0].title['zh-CN'], /[\u4e00-\u9fff]/);
  assert.equal(summary.body.causes[0].seed_cause, 'insufficient_funds_or_limit', 'most declines first');
  const expired = summary.body.causes.flatMap((c: Json) => c.groups).find((g: Json) => g.response_code === '54');
  assert.deepEqual([expired?.count, expired?.decided_by], [1, 'issuer']);
  assert.equal(summary.body.from, iso(fromMs));

  // The latest declines: newest first, two a page, the cursor going on where it stopped even when a new one arrives.
  const first = await doctor(`/declines?limit=2&${windowQuery(fromMs, toMs)}`);
  assert.equal(first.status, 200);
  assert.deepEqual(first.body.data.map((d: Json) => d.response_code), ['54', '51']);
  const decline = first.body.data[1];
  assert.deepEqual(
    [decline.seed_cause, decline.reason, decline.decided_by, decline.card.last4, decline.card.brand, decline.amount, decline.initiator],
    ['insufficient_funds_or_limit', 'insufficient_funds', 'issuer', '9995', 'visa', { amount_minor: 2_600, currency: 'USD' }, 'customer'],
  );
  assert.equal(JSON.stringify(first.body).includes('4000000000009995'), false, 'never the card number');
  assert.equal('bin' in decline.card, false);
  assert.equal(first.body.has_more, true);
  clock.advanceMs(1_000);
  assert.equal((await pay('pm_card_chargeDeclinedInsufficientFunds', 2_700)).declineCode, 'insufficient_funds');
  const second = await doctor(`/declines?limit=2&cursor=${first.body.next_cursor}&${windowQuery(fromMs, toMs + HOUR_MS)}`);
  assert.deepEqual(second.body.data.map((d: Json) => d.amount.amount_minor), [2_500]);
  assert.equal(second.body.has_more, false);
  assert.equal(second.body.next_cursor, null);
  // The trace of a listed decline is one click away: its id is the network's message id.
  const trace = await doctor(`/traces/${decline.id}`);
  assert.equal(trace.status, 200, JSON.stringify(trace.body).slice(0, 300));

  // The console's session reads the same; a cardholder or a merchant does not.
  const { cookie } = await consoleSignIn(cardlane.url, op);
  assert.equal((await doctor(`/declines/summary?${windowQuery(fromMs, toMs)}`, { cookie })).body.declined, 3);
  const cardholder = await signUpCardholder(cardlane.url, op, '+8613800000401');
  for (const bearer of [cardholder, secret]) {
    const refused = await doctor(`/declines/summary?${windowQuery(fromMs, toMs)}`, { bearer });
    assert.deepEqual([refused.status, refused.body.error?.code], [403, 'permission_denied']);
    assert.equal((await doctor(`/declines?${windowQuery(fromMs, toMs)}`, { bearer })).status, 403);
  }
  assert.equal((await doctor(`/declines/summary?${windowQuery(fromMs, toMs)}`, {})).status, 401);
});

test('a period is checked: both ends, in order, at most 93 days; an empty period is zeros, not an error', async () => {
  const now = clock.nowMs();
  for (const [query, param] of [
    [`to=${iso(now)}`, 'from'],
    [`from=${iso(now)}`, 'to'],
    ['from=yesterday&to=today', 'from'],
    [windowQuery(now, now - 1), 'to'],
    [windowQuery(now, now), 'to'],
    [windowQuery(now - 94 * 24 * HOUR_MS, now), 'to'],
    [`${windowQuery(now - HOUR_MS, now)}&lang=fr`, 'lang'],
  ] as const) {
    const refused = await doctor(`/declines/summary?${query}`);
    assert.equal(refused.status, 400, `${query}: ${JSON.stringify(refused.body)}`);
    assert.equal(refused.body.error.param, param, query);
    assert.ok(['parameter_invalid', 'parameter_missing', 'parameter_unknown'].includes(refused.body.error.code), query);
  }
  for (const query of ['limit=0', 'limit=101', 'cursor=Zm9v', 'cursor=%21%21']) {
    const refused = await doctor(`/declines?${windowQuery(now - HOUR_MS, now)}&${query}`);
    assert.equal(refused.status, 400, query);
  }
  const empty = await doctor(`/declines/summary?${windowQuery(START_MS - 30 * 24 * HOUR_MS, START_MS - 24 * HOUR_MS)}`);
  assert.deepEqual([empty.status, empty.body.authorizations, empty.body.declined, empty.body.causes], [200, 0, 0, []]);
  const none = await doctor(`/declines?${windowQuery(START_MS - 30 * 24 * HOUR_MS, START_MS - 24 * HOUR_MS)}`);
  assert.deepEqual([none.body.data, none.body.has_more, none.body.next_cursor], [[], false, null]);
  assert.ok((await doctor(`/declines/summary?${windowQuery(now - 93 * 24 * HOUR_MS, now)}`)).status === 200, '93 days is allowed');
});
