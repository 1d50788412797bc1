import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { BinTable, type BinEntry } from '../../src/network/bins.ts';
import { CardNetwork } from '../../src/network/card-network.ts';
import { OwedAdvices } from '../../src/network/owed-advices.ts';
import type { AnswerRecorder, AuthorizationRequest, AuthorizationResponse, FollowUpRequest, IsoResponseCode } from '../../src/network/messages.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { SqliteDatabase } from '../../src/platform/db/sqlite.ts';
import { getNetworkMessage, listNetworkMessagesFor } from '../../src/network/network-records.ts';
import {
  authorization,
  clearing,
  increment,
  networkFixture,
  RecordingIssuer,
  refund,
  reversal,
  sleep,
  START_MS,
  withLuhn,
  type NetworkFixture,
} from './network-fixture.ts';

const entry = (prefix: string, issuer: string, overrides: Partial<BinEntry> = {}): BinEntry => ({
  prefix,
  brand: 'visa',
  country: 'US',
  funding: 'credit',
  issuer,
  issuerName: issuer,
  ...overrides,
});

const PAN_SIX = withLuhn('411111999999999');
const PAN_EIGHT = withLuhn('411111119999999');
const PAN_SLOW = withLuhn('522222000000000');

describe('card network', () => {
  let f: NetworkFixture;
  let six: RecordingIssuer;
  let eight: RecordingIssuer;
  let slow: RecordingIssuer;
  let network: CardNetwork;
  const bins = new BinTable([
    entry('411111', 'bank-six'),
    entry('41111111', 'bank-eight', { funding: 'debit', country: 'GB' }),
    entry('522222', 'bank-slow', { brand: 'mastercard' }),
  ]);

  before(async () => {
    f = await networkFixture();
  });
  beforeEach(() => {
    six = new RecordingIssuer('bank-six');
    eight = new RecordingIssuer('bank-eight');
    slow = new RecordingIssuer('bank-slow');
    network = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [six, eight, slow], timeoutMs: 50, lateAnswerWaitMs: 2_000 });
  });
  afterEach(async () => {
    await network.idle();
  });
  after(async () => {
    await f.cleanup();
  });

  test('routes by the longest BIN prefix and reports the card from the BIN table', async () => {
    const a = await network.authorize(authorization(PAN_SIX));
    const b = await network.authorize(authorization(PAN_EIGHT));
    assert.deepEqual([a.issuer, a.responseCode, a.decidedBy], ['bank-six', '00', 'issuer']);
    assert.deepEqual([b.issuer, b.responseCode, b.decidedBy], ['bank-eight', '00', 'issuer']);
    assert.deepEqual([six.calls.length, eight.calls.length], [1, 1]);
    assert.deepEqual(network.lookupCard(PAN_EIGHT), bins.lookupBin(PAN_EIGHT));
    assert.equal(network.lookupCard('4111111111111112'), null);
    const record = await getNetworkMessage(f.db, b.id);
    assert.deepEqual(record?.card, { bin: PAN_EIGHT.slice(0, 8), last4: PAN_EIGHT.slice(-4), brand: 'visa', funding: 'debit', country: 'GB' });
    assert.equal(record?.issuerOutcome, 'answered');
  });

  test('an unknown BIN is answered 15 by the network', async () => {
    const response = await network.authorize(authorization(withLuhn('601100000000000')));
    assert.deepEqual(
      [response.responseCode, response.reason, response.decidedBy, response.issuer, response.approved],
      ['15', 'no_such_issuer', 'network', null, false],
    );
    assert.equal((await getNetworkMessage(f.db, response.id))?.responseCode, '15');
  });

  const malformedAuthorizations: Array<[string, (r: AuthorizationRequest) => unknown, IsoResponseCode, string]> = [
    ['Luhn failure', (r) => ({ ...r, card: { ...r.card, pan: '4111111111111112' } }), '14', 'invalid_card_number'],
    ['11 digits', (r) => ({ ...r, card: { ...r.card, pan: withLuhn('4111111111') } }), '14', 'invalid_card_number'],
    ['20 digits', (r) => ({ ...r, card: { ...r.card, pan: withLuhn('4111119999999999999') } }), '14', 'invalid_card_number'],
    ['spaces in the number', (r) => ({ ...r, card: { ...r.card, pan: '4111 1199 9999 9999' } }), '14', 'invalid_card_number'],
    ['no card', (r) => ({ ...r, card: null }), '14', 'invalid_card_number'],
    ['zero purchase', (r) => ({ ...r, amount: { minor: 0, currency: 'USD' } }), '13', 'invalid_amount'],
    ['negative amount', (r) => ({ ...r, amount: { minor: -100, currency: 'USD' } }), '13', 'invalid_amount'],
    ['fractional amount', (r) => ({ ...r, amount: { minor: 10.5, currency: 'USD' } }), '13', 'invalid_amount'],
    ['unsafe amount', (r) => ({ ...r, amount: { minor: 2 ** 53, currency: 'USD' } }), '13', 'invalid_amount'],
    ['amount as text', (r) => ({ ...r, amount: { minor: '100', currency: 'USD' } }), '13', 'invalid_amount'],
    ['lower-case currency', (r) => ({ ...r, amount: { minor: 100, currency: 'usd' } }), '12', 'invalid_currency'],
    ['3-digit MCC', (r) => ({ ...r, merchant: { ...r.merchant, mcc: '573' } }), '12', 'invalid_mcc'],
    ['3-letter merchant country', (r) => ({ ...r, merchant: { ...r.merchant, country: 'USA' } }), '12', 'invalid_merchant_country'],
    ['merchant country that is no country (UK for GB)', (r) => ({ ...r, merchant: { ...r.merchant, country: 'UK' } }), '12', 'invalid_merchant_country'],
    ['empty merchant name', (r) => ({ ...r, merchant: { ...r.merchant, name: ' ' } }), '12', 'invalid_merchant_name'],
    ['expiry month 13', (r) => ({ ...r, card: { ...r.card, expMonth: 13 } }), '12', 'invalid_expiry'],
    ['expiry month 0', (r) => ({ ...r, card: { ...r.card, expMonth: 0 } }), '12', 'invalid_expiry'],
    ['2-digit expiry year', (r) => ({ ...r, card: { ...r.card, expYear: 30 } }), '12', 'invalid_expiry'],
    ['2-digit CVV2', (r) => ({ ...r, card: { ...r.card, cvv2: '12' } }), '12', 'invalid_cvv2'],
    ['empty id', (r) => ({ ...r, id: '' }), '12', 'invalid_message_id'],
    ['id with a space', (r) => ({ ...r, id: 'a b' }), '12', 'invalid_message_id'],
    ['unknown purpose', (r) => ({ ...r, purpose: 'refund' }), '12', 'invalid_purpose'],
    ['unknown initiator', (r) => ({ ...r, initiator: 'bot' }), '12', 'invalid_initiator'],
    ['unknown entry mode', (r) => ({ ...r, entryMode: 'chip' }), '12', 'invalid_entry_mode'],
    ['stored credential with a space', (r) => ({ ...r, storedCredentialOriginalId: 'ch 1' }), '12', 'invalid_stored_credential'],
    ['stored credential as a number', (r) => ({ ...r, storedCredentialOriginalId: 42 }), '12', 'invalid_stored_credential'],
    ['cardholder name of 201 characters', (r) => ({ ...r, cardholderName: 'W'.repeat(201) }), '12', 'invalid_cardholder_name'],
    ['cardholder name of 1,000 bytes (more than ISO 8583 private data holds)', (r) => ({ ...r, cardholderName: '张'.repeat(334) }), '12', 'invalid_cardholder_name'],
    ['cardholder name with half a character (a lone surrogate)', (r) => ({ ...r, cardholderName: 'Wei \ud83d Zhang' }), '12', 'invalid_cardholder_name'],
    ['cardholder name as a number', (r) => ({ ...r, cardholderName: 42 }), '12', 'invalid_cardholder_name'],
    ['wrong message type', (r) => ({ ...r, type: 'clearing' }), '12', 'invalid_message_type'],
    ['not an object', () => null, '12', 'invalid_message_type'],
  ];
  for (const [why, mangle, code, reason] of malformedAuthorizations) {
    test(`malformed authorization (${why}) → ${code} ${reason}, never reaching an issuer`, async () => {
      const response = await network.authorize(mangle(authorization(PAN_SIX)) as AuthorizationRequest);
      assert.deepEqual([response.responseCode, response.reason, response.decidedBy, response.approved], [code, reason, 'network', false]);
      assert.equal(six.calls.length + eight.calls.length + slow.calls.length, 0);
    });
  }

  test('a zero-amount account verification is well formed', async () => {
    const response = await network.authorize(authorization(PAN_SIX, { purpose: 'account_verification', amount: { minor: 0, currency: 'USD' } }));
    assert.equal(response.responseCode, '00');
  });

  test('a cardholder name of up to 200 characters reaches the issuer, astral ones and no name at all too', async () => {
    for (const cardholderName of ['张'.repeat(200), '😀'.repeat(100), '', null, undefined]) {
      const response = await network.authorize(authorization(PAN_SIX, cardholderName === undefined ? {} : { cardholderName }));
      assert.equal(response.responseCode, '00', String(cardholderName).slice(0, 10));
    }
    assert.equal(six.calls.length, 5);
  });

  test('malformed follow-ups → 12/13 without reaching an issuer', async () => {
    const auth = await network.authorize(authorization(PAN_SIX));
    six.calls.length = 0;
    const cases: Array<[string, () => Promise<{ responseCode: string; reason: string; decidedBy: string }>, IsoResponseCode, string]> = [
      ['zero clearing', () => network.clear(clearing(auth.id, 0)), '13', 'invalid_amount'],
      ['negative refund', () => network.refund(refund(auth.id, -1)), '13', 'invalid_amount'],
      ['bad currency', () => network.refund(refund(auth.id, 100, 'US')), '12', 'invalid_currency'],
      ['no final flag', () => network.clear({ ...clearing(auth.id, 100), final: undefined } as never), '12', 'invalid_final'],
      ['empty original id', () => network.reverse(reversal('', null)), '12', 'invalid_original_id'],
      ['wrong type', () => network.refund({ ...refund(auth.id, 100), type: 'clearing' } as never), '12', 'invalid_message_type'],
      ['zero increment', () => network.incrementAuthorization(increment(auth.id, 0)), '13', 'invalid_amount'],
      ['unknown original', () => network.clear(clearing('auth_nowhere', 100)), '12', 'unknown_original'],
      ['currency unlike the original', () => network.clear(clearing(auth.id, 100, false, 'EUR')), '12', 'currency_mismatch'],
      ['a clearing as the original', () => network.refund(refund(auth.id + 'x', 100)), '12', 'unknown_original'],
    ];
    for (const [why, send, code, reason] of cases) {
      const response = await send();
      assert.deepEqual([response.responseCode, response.reason, response.decidedBy], [code, reason, 'network'], why);
    }
    assert.equal(six.calls.length, 0);
  });

  test('follow-ups go to the issuer of their authorization; repeats are answered once', async () => {
    const a = await network.authorize(authorization(PAN_SIX));
    const b = await network.authorize(authorization(PAN_EIGHT));
    const clear = clearing(a.id, 400);
    const first = await network.clear(clear);
    const again = await network.clear(clear);
    const [concurrent1, concurrent2] = await Promise.all([network.refund(refund(b.id, 1)), network.refund(refund(b.id, 1))]);
    const sameRefund = refund(b.id, 100);
    const [r1, r2] = await Promise.all([network.refund(sameRefund), network.refund(sameRefund)]);
    const inc = await network.incrementAuthorization(increment(a.id, 250));
    const rev = await network.reverse(reversal(b.id, null));
    assert.deepEqual(first, again);
    assert.deepEqual([first.responseCode, first.amount.minor, first.decidedBy], ['00', 400, 'issuer']);
    assert.deepEqual([concurrent1.responseCode, concurrent2.responseCode], ['00', '00']);
    assert.deepEqual(r1, r2);
    assert.deepEqual([inc.responseCode, inc.approvedAmount.minor, inc.issuer], ['00', 250, 'bank-six']);
    assert.equal(rev.responseCode, '00');
    assert.deepEqual(six.calls.map((c) => [c.type, c.originalId ?? null]), [['authorization', null], ['clearing', a.id], ['incremental_authorization', a.id]]);
    assert.deepEqual(eight.calls.map((c) => c.type), ['authorization', 'refund', 'refund', 'refund', 'reversal']);
    const trail = await listNetworkMessagesFor(f.db, a.id);
    assert.deepEqual(trail.map((m) => [m.type, m.responseCode, m.issuer]), [['authorization', '00', 'bank-six'], ['clearing', '00', 'bank-six'], ['incremental_authorization', '00', 'bank-six']]);
  });

  test('an authorization repeated after it was answered gets the first answer without reaching the issuer', async () => {
    const request = authorization(PAN_SIX);
    const first = await network.authorize(request);
    const again = await network.authorize({ ...request, amount: { minor: 99_999, currency: 'USD' } });
    assert.deepEqual(again, first);
    assert.equal(six.calls.length, 1);
    // The same id on a different kind of message is not a repeat.
    const clash = await network.clear({ ...clearing(first.id, 100), id: first.id });
    assert.equal(clash.responseCode, '12'); // the id names the authorization itself
    const reused = await network.refund({ ...refund(first.id, 100), id: (await network.clear(clearing(first.id, 100))).id });
    assert.deepEqual([reused.responseCode, reused.reason], ['94', 'message_id_reused']);
  });

  test('a follow-up to a declined authorization is refused by the network', async () => {
    six.authorizeBehaviour = { code: '05' };
    const declined = await network.authorize(authorization(PAN_SIX));
    assert.equal(declined.responseCode, '05');
    const clear = await network.clear(clearing(declined.id, 100));
    assert.deepEqual([clear.responseCode, clear.reason, clear.decidedBy], ['12', 'original_not_approved', 'network']);
    assert.equal(six.callsOf('clearing').length, 0);
  });

  test('an issuer that does not answer in time gets a 91 stand-in; its late approval is reversed and it is advised', async () => {
    slow.authorizeBehaviour = { delayMs: 1_200 };
    const request = authorization(PAN_SLOW);
    const started = Date.now();
    const response = await network.authorize(request);
    const elapsedMs = Date.now() - started;
    assert.deepEqual(
      [response.responseCode, response.reason, response.decidedBy, response.issuer, response.approved, response.issuerAuthorizationId],
      ['91', 'issuer_unavailable', 'network', 'bank-slow', false, null],
    );
    // About timeoutMs (50 ms); the bound is loose so a busy machine does not fail it, yet well before the issuer answers.
    assert.ok(elapsedMs < 1_000, `answered after ${elapsedMs} ms`);
    // A repeat while the issuer is still busy is answered from the record, and never reaches the issuer again.
    assert.deepEqual(await network.authorize(request), response);
    await network.idle();
    assert.equal(slow.callsOf('authorization').length, 1);
    const [rev] = slow.callsOf('reversal');
    assert.deepEqual([rev?.originalId, (rev?.message as FollowUpRequest).amount], [request.id, null]);
    const [advice] = slow.callsOf('advice');
    const adviceMessage = advice?.message as { request: AuthorizationRequest; response: { responseCode: string; decidedBy: string } };
    assert.deepEqual([adviceMessage.request.id, adviceMessage.response.responseCode, adviceMessage.response.decidedBy], [request.id, '91', 'network']);
    const trail = await listNetworkMessagesFor(f.db, request.id);
    assert.deepEqual(
      trail.map((m) => [m.type, m.origin, m.responseCode, m.decidedBy, m.issuerOutcome]),
      [
        ['authorization', 'acquirer', '91', 'network', 'timeout'],
        ['reversal', 'network', '00', 'issuer', 'answered'],
        ['advice', 'network', '91', 'network', 'delivered'],
      ],
    );
    assert.deepEqual(trail[0]!.late, { responseCode: '00', reason: 'approved' });
  });

  test('a late decline needs no reversal; the issuer is still advised', async () => {
    slow.authorizeBehaviour = { delayMs: 150, code: '05' };
    const response = await network.authorize(authorization(PAN_SLOW));
    assert.equal(response.responseCode, '91');
    await network.idle();
    assert.equal(slow.callsOf('reversal').length, 0);
    assert.equal(slow.callsOf('advice').length, 1);
    assert.deepEqual((await getNetworkMessage(f.db, response.id))?.late, { responseCode: '05', reason: 'generic_decline' });
  });

  test('an issuer that never answers: after the wait, a reversal just in case, and an advice', async () => {
    network = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [six, eight, slow], timeoutMs: 30, lateAnswerWaitMs: 60 });
    slow.authorizeBehaviour = { delayMs: Infinity };
    const response = await network.authorize(authorization(PAN_SLOW));
    assert.equal(response.responseCode, '91');
    await network.idle();
    assert.deepEqual(slow.calls.map((c) => c.type), ['authorization', 'reversal', 'advice']);
    assert.equal((await getNetworkMessage(f.db, response.id))?.late, null);
  });

  test('a late approval whose reversal found no issuer stays owed; after a restart the sweep reverses it (same id), once', async () => {
    network = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [six, eight, slow], timeoutMs: 30, lateAnswerWaitMs: 500 });
    slow.authorizeBehaviour = { delayMs: 100 };
    slow.followUpBehaviour = { throws: true };
    const response = await network.authorize(authorization(PAN_SLOW));
    assert.equal(response.responseCode, '91');
    await network.idle();
    assert.deepEqual(slow.callsOf('reversal').length, 3, 'tried thrice, never answered');

    // Another process (or this one restarted) with the issuer back: nothing is owed before the live follow-through's time is up.
    slow.followUpBehaviour = {};
    const restarted = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [six, eight, slow], timeoutMs: 30, lateAnswerWaitMs: 500 });
    assert.deepEqual(await restarted.settleOwedStandIns(f.clock.nowMs()), { reversals: 0, advices: 0 });
    const later = f.clock.nowMs() + 10 * 60_000; // (the suite's clock is shared, so time is passed, not advanced)
    assert.deepEqual(await restarted.settleOwedStandIns(later), { reversals: 1, advices: 0 });
    const reversals = slow.callsOf('reversal');
    assert.equal(new Set(reversals.map((r) => r.id)).size, 1, 'the sweep repeats the one reversal');
    assert.equal(reversals.at(-1)!.originalId, response.id);
    const trail = await listNetworkMessagesFor(f.db, response.id);
    assert.deepEqual(trail.filter((m) => m.type === 'reversal').map((m) => [m.responseCode, m.issuerOutcome]), [['00', 'answered']]);
    assert.deepEqual(await restarted.settleOwedStandIns(later), { reversals: 0, advices: 0 }, 'settled once');
    await restarted.idle();
  });

  test('the sweep never advises a stand-in that another copy of the authorization beat to an approval: that owed advice is dropped unsent', async () => {
    const adviceKey = randomBytes(32);
    network = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [six, eight, slow], timeoutMs: 50, adviceKey });
    const request = authorization(PAN_SIX);
    assert.equal((await network.authorize(request)).responseCode, '00');
    // A process owed the advice of its stand-in for this id, then died before it saw the approval recorded.
    const standIn = { ...(await network.authorize(request)), responseCode: '91' as const, approved: false, decidedBy: 'network' as const };
    await new OwedAdvices(f.db, adviceKey).owe({ type: 'advice', id: `${request.id}.stand-in-advice`, request, response: standIn }, 'bank-six', f.clock.nowMs());
    // An advice of a decline would release the hold of a payment the merchant was told was approved.
    assert.deepEqual(await network.settleOwedStandIns(f.clock.nowMs() + 10 * 60_000), { reversals: 0, advices: 0 });
    assert.equal(six.callsOf('advice').length, 0);
    assert.deepEqual(await f.db.all('SELECT advice_id FROM network_owed_advices WHERE original_id = ?', [request.id]), []);
  });

  test('an issuer that throws gets a 96 stand-in, and a reversal and an advice afterwards', async () => {
    six.authorizeBehaviour = { throws: true };
    const response = await network.authorize(authorization(PAN_SIX));
    assert.deepEqual([response.responseCode, response.reason, response.decidedBy, response.issuer], ['96', 'system_malfunction', 'network', 'bank-six']);
    await network.idle();
    assert.deepEqual(six.calls.map((c) => c.type), ['authorization', 'reversal', 'advice']);
    const trail = await listNetworkMessagesFor(f.db, response.id);
    assert.deepEqual(trail.map((m) => [m.type, m.responseCode, m.issuerOutcome]), [['authorization', '96', 'error'], ['reversal', '12', 'answered'], ['advice', '96', 'delivered']]);
  });

  test('an issuer answer outside the contract is a 96 stand-in', async () => {
    const liar = new RecordingIssuer('bank-six');
    liar.authorize = async (request) => ({ ...(await RecordingIssuer.prototype.authorize.call(liar, request)), responseCode: '00', approved: false });
    network = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [liar, eight, slow], timeoutMs: 50 });
    const response = await network.authorize(authorization(PAN_SIX));
    assert.deepEqual([response.responseCode, response.reason, response.decidedBy], ['96', 'invalid_issuer_response', 'network']);
  });

  test('fields 6/51 (cardholder billing) in an issuer answer must name another currency than field 49 and a whole amount, or the answer is a 96 stand-in', async () => {
    for (const billing of [{ minor: 2_565, currency: 'USD' }, { minor: -1, currency: 'EUR' }, { minor: 1.5, currency: 'EUR' }, { minor: 100, currency: 'eur' }]) {
      const liar = new RecordingIssuer('bank-six');
      liar.authorize = async (request) => ({ ...(await RecordingIssuer.prototype.authorize.call(liar, request)), cardholderBilling: billing });
      network = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [liar, eight, slow], timeoutMs: 50 });
      const response = await network.authorize(authorization(PAN_SIX));
      assert.deepEqual([response.responseCode, response.reason], ['96', 'invalid_issuer_response'], JSON.stringify(billing));
      await network.idle();
    }
    // A USD payment billed to a EUR card: passed on as the issuer answered it.
    const honest = new RecordingIssuer('bank-six');
    honest.authorize = async (request) => ({ ...(await RecordingIssuer.prototype.authorize.call(honest, request)), cardholderBilling: { minor: 930, currency: 'EUR' } });
    network = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [honest, eight, slow], timeoutMs: 50 });
    const passed = await network.authorize(authorization(PAN_SIX));
    assert.deepEqual([passed.decidedBy, passed.cardholderBilling], ['issuer', { minor: 930, currency: 'EUR' }]);
  });

  test('a follow-up that times out is answered 91; the retry with the same id gets the issuer\'s answer', async () => {
    const auth = await network.authorize(authorization(PAN_SLOW));
    slow.firstFollowUpDelayMs = 150;
    const clear = clearing(auth.id, 700);
    const first = await network.clear(clear);
    assert.deepEqual([first.responseCode, first.reason, first.decidedBy], ['91', 'issuer_unavailable', 'network']);
    const second = await network.clear(clear);
    assert.deepEqual([second.responseCode, second.amount.minor, second.decidedBy], ['00', 700, 'issuer']);
    const third = await network.clear(clear);
    assert.deepEqual(third, second);
    assert.equal(slow.callsOf('clearing').length, 2);
    const record = await getNetworkMessage(f.db, clear.id);
    assert.deepEqual([record?.responseCode, record?.attempts, record?.issuerOutcome], ['00', 2, 'answered']);
    slow.firstFollowUpDelayMs = 0;
    slow.followUpBehaviour = { throws: true };
    const failing = await network.refund(refund(auth.id, 100));
    assert.deepEqual([failing.responseCode, failing.reason], ['96', 'system_malfunction']);
  });

  test('records carry the BIN and last four but never the card number', async () => {
    const pans = [PAN_SIX, PAN_EIGHT, PAN_SLOW, '4111111111111112', withLuhn('601100000000000')];
    // A merchant that puts a card number in its statement name by mistake gets it masked too.
    for (const pan of pans) await network.authorize(authorization(pan, { merchant: { acquirerId: 'acq', merchantId: 'acct_1', name: `SHOP ${pan}`, mcc: '5734', country: 'US' } }));
    await network.idle();
    const rows = await f.db.all<Record<string, unknown>>('SELECT * FROM network_messages');
    assert.ok(rows.length >= pans.length);
    const text = JSON.stringify(rows);
    for (const pan of pans) assert.ok(!text.includes(pan), `a record contains ${pan}`);
    for (const row of rows) assert.ok(row.cvv2 === null || ['pass', 'fail', 'unavailable', 'unchecked'].includes(row.cvv2 as string));
  });

  test('misconfiguration is refused at construction', () => {
    assert.throws(() => new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [six, eight] }), /bank-slow/);
    assert.throws(() => new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [six, six, eight, slow] }), /two issuers/);
    assert.throws(() => new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [six, eight, slow], timeoutMs: 0 }), RangeError);
  });

  test('answered-at times come from the injected clock', async () => {
    f.clock.advanceMs(5_000);
    const response = await network.authorize(authorization(PAN_SIX));
    const record = await getNetworkMessage(f.db, response.id);
    assert.deepEqual([record?.answeredAtMs, record?.sentAtMs], [START_MS + 5_000 * 1, START_MS]);
  });
});

/** An issuer on the network's own database that takes the network's recorder (as Cardlane's issuer does), then answers after `answerDelayMs`. */
class SelfRecordingIssuer extends RecordingIssuer {
  constructor(
    name: string,
    private readonly db: Database,
    private readonly answerDelayMs: number,
  ) {
    super(name);
  }

  override async authorize(request: AuthorizationRequest, recorder?: AnswerRecorder): Promise<AuthorizationResponse> {
    const response = await super.authorize(request);
    if (recorder?.db === this.db) await this.db.transaction((tx) => recorder.record(tx, response));
    await sleep(this.answerDelayMs);
    return response;
  }
}

describe('card network: an issuer that records the answer in its own transaction', () => {
  let f: NetworkFixture;
  const PAN = withLuhn('433333000000000');
  const networkWith = (issuer: SelfRecordingIssuer) =>
    new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins: new BinTable([entry('433333', issuer.name)]), issuers: [issuer], timeoutMs: 50, lateAnswerWaitMs: 2_000 });

  before(async () => {
    f = await networkFixture(11);
  });
  after(async () => {
    await f.cleanup();
  });

  test('the network writes nothing of its own: one record, the issuer\'s answer, in the issuer\'s commit', async () => {
    const issuer = new SelfRecordingIssuer('bank-self', f.db, 0);
    const network = networkWith(issuer);
    await network.authorize(authorization(PAN)); // warm: nothing else commits on the next one
    const before = commitsOf(f.db);
    const response = await network.authorize(authorization(PAN));
    if (before !== null) assert.equal(commitsOf(f.db)! - before, 1, 'one durable commit for the authorization');
    assert.deepEqual([response.responseCode, response.decidedBy, response.issuer], ['00', 'issuer', 'bank-self']);
    const trail = await listNetworkMessagesFor(f.db, response.id);
    assert.deepEqual(trail.map((m) => [m.type, m.responseCode, m.decidedBy, m.issuerOutcome]), [['authorization', '00', 'issuer', 'answered']]);
    await network.idle();
  });

  test('a stand-in that loses the race to the issuer\'s record answers what the issuer decided, and reverses nothing', async () => {
    const issuer = new SelfRecordingIssuer('bank-self', f.db, 300);
    const network = networkWith(issuer);
    const request = authorization(PAN);
    const response = await network.authorize(request);
    await network.idle();
    assert.deepEqual([response.responseCode, response.approved, response.decidedBy], ['00', true, 'issuer']);
    assert.deepEqual([issuer.callsOf('reversal').length, issuer.callsOf('advice').length], [0, 0]);
    const trail = await listNetworkMessagesFor(f.db, request.id);
    assert.deepEqual(trail.map((m) => [m.type, m.responseCode, m.decidedBy]), [['authorization', '00', 'issuer']]);
  });
});

function commitsOf(db: Database): number | null {
  return db instanceof SqliteDatabase ? db.commitStats.commits : null;
}
