import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultBinTable } from '../../src/network/bins.ts';
import { CardNetwork } from '../../src/network/card-network.ts';
import type { FollowUpResponse, IsoResponseCode } from '../../src/network/messages.ts';
import { createTestIssuers } from '../../src/network/test-issuers/create-test-issuers.ts';
import { getNetworkMessage } from '../../src/network/network-records.ts';
import { auditTestBank } from '../../src/network/test-issuers/test-bank-audit.ts';
import { TestBank } from '../../src/network/test-issuers/test-bank.ts';
import { tallyStatements } from '../../src/platform/db/statement-tally.ts';
import { authorization, clearing, increment, networkFixture, RecordingIssuer, refund, reversal, type NetworkFixture } from './network-fixture.ts';

/**
 * The test bank's books through the network: partial and multiple clearings,
 * a final clearing releasing the rest, reversals, refunds, increments, their
 * limits (13) and wrong states (12), repeats, and all of it surviving a
 * restart (a new network and a new bank on the same database).
 */
describe('test bank follow-ups', () => {
  let f: NetworkFixture;
  let network: CardNetwork;
  const start = () => {
    network = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins: defaultBinTable(), issuers: [new RecordingIssuer('cardlane'), ...createTestIssuers(f)] });
  };
  const expect = (response: FollowUpResponse, code: IsoResponseCode, minor: number, reason?: string) => {
    assert.deepEqual(
      [response.responseCode, response.amount.minor, ...(reason ? [response.reason] : [])],
      [code, minor, ...(reason ? [reason] : [])],
    );
  };
  const amounts = (requestId: string) =>
    f.db.get<Record<string, number | null>>(
      'SELECT authorized_minor, cleared_minor, released_minor, refunded_minor, closed_at_ms FROM test_bank_authorizations WHERE request_id = ?',
      [requestId],
    );

  before(async () => {
    f = await networkFixture();
    start();
  });
  after(async () => {
    assert.deepEqual(await auditTestBank(f.db), []);
    await f.cleanup();
  });

  test('partial and multiple clearings, refunds within what was cleared, a final clearing, across a restart', async () => {
    const auth = await network.authorize(authorization('4242424242424242', { amount: { minor: 10_000, currency: 'USD' } }));
    assert.equal(auth.responseCode, '00');
    const firstClearing = clearing(auth.id, 3_000);
    expect(await network.clear(firstClearing), '00', 3_000, 'cleared');
    expect(await network.clear(clearing(auth.id, 2_000)), '00', 2_000);
    expect(await network.clear(clearing(auth.id, 6_000)), '13', 0, 'exceeds_remaining');
    expect(await network.refund(refund(auth.id, 6_000)), '13', 0, 'exceeds_refundable');
    const firstRefund = refund(auth.id, 2_000);
    expect(await network.refund(firstRefund), '00', 2_000, 'refunded');

    start(); // a restart: new network, new bank, same database
    expect(await network.clear(firstClearing), '00', 3_000); // a repeat: the first answer, nothing cleared twice
    expect(await network.refund(firstRefund), '00', 2_000);
    assert.deepEqual(await amounts(auth.id), { authorized_minor: 10_000, cleared_minor: 5_000, released_minor: 0, refunded_minor: 2_000, closed_at_ms: null });
    expect(await network.refund(refund(auth.id, 3_000)), '00', 3_000);
    expect(await network.refund(refund(auth.id, 1)), '13', 0, 'exceeds_refundable');
    expect(await network.clear(clearing(auth.id, 1_000, true)), '00', 1_000);
    assert.deepEqual(await amounts(auth.id), { authorized_minor: 10_000, cleared_minor: 6_000, released_minor: 4_000, refunded_minor: 5_000, closed_at_ms: f.clock.nowMs() });
    expect(await network.clear(clearing(auth.id, 1)), '12', 0, 'authorization_closed');
    expect(await network.reverse(reversal(auth.id, null)), '12', 0, 'authorization_closed');
    expect(await network.refund(refund(auth.id, 1_000)), '00', 1_000); // refunds still follow a closed authorization
  });

  test('reversals: partial, too much, the rest; nothing after', async () => {
    const auth = await network.authorize(authorization('5555555555554444', { amount: { minor: 5_000, currency: 'USD' } }));
    expect(await network.reverse(reversal(auth.id, 1_000)), '00', 1_000, 'reversed');
    expect(await network.reverse(reversal(auth.id, 5_000)), '13', 0, 'exceeds_remaining');
    start();
    expect(await network.reverse(reversal(auth.id, null)), '00', 4_000);
    expect(await network.clear(clearing(auth.id, 100)), '12', 0, 'authorization_closed');
    expect(await network.refund(refund(auth.id, 100)), '12', 0, 'nothing_cleared');
    assert.deepEqual(await amounts(auth.id), { authorized_minor: 5_000, cleared_minor: 0, released_minor: 5_000, refunded_minor: 0, closed_at_ms: f.clock.nowMs() });
  });

  test('a partial capture then a reversal of the rest', async () => {
    const auth = await network.authorize(authorization('4000056655665556', { amount: { minor: 2_500, currency: 'USD' } }));
    expect(await network.clear(clearing(auth.id, 1_000)), '00', 1_000);
    expect(await network.reverse(reversal(auth.id, null)), '00', 1_500);
    expect(await network.refund(refund(auth.id, 1_000)), '00', 1_000);
  });

  test('incremental authorizations raise the hold; verifications cannot be raised or cleared', async () => {
    const auth = await network.authorize(authorization('5105105105105100', { amount: { minor: 1_000, currency: 'USD' } }));
    const inc = await network.incrementAuthorization(increment(auth.id, 500));
    assert.deepEqual([inc.responseCode, inc.approvedAmount.minor, inc.issuerAuthorizationId], ['00', 500, auth.issuerAuthorizationId]);
    assert.match(inc.approvalCode ?? '', /^[0-9A-Z]{6}$/);
    expect(await network.clear(clearing(auth.id, 1_500, true)), '00', 1_500);
    const closed = await network.incrementAuthorization(increment(auth.id, 1));
    assert.deepEqual([closed.responseCode, closed.reason], ['12', 'authorization_closed']);

    const verification = await network.authorize(authorization('4242424242424242', { purpose: 'account_verification', amount: { minor: 0, currency: 'USD' } }));
    assert.equal(verification.responseCode, '00');
    assert.equal((await network.incrementAuthorization(increment(verification.id, 100))).reason, 'not_incrementable');
    expect(await network.clear(clearing(verification.id, 100)), '12', 0, 'not_capturable');
    expect(await network.reverse(reversal(verification.id, null)), '00', 0, 'reversed');
  });

  test('the bank itself answers 12 for an unknown original and keeps repeats to one answer', async () => {
    const bank = new TestBank(f);
    const unknown = await bank.clear(clearing('auth_unknown', 100));
    assert.deepEqual([unknown.responseCode, unknown.reason], ['12', 'unknown_original']);
    const auth = await network.authorize(authorization('4242424242424242', { amount: { minor: 900, currency: 'USD' } }));
    const clear = clearing(auth.id, 300);
    const answers = await Promise.all(Array.from({ length: 8 }, () => bank.clear(clear)));
    assert.ok(answers.every((a) => a.responseCode === '00' && a.amount.minor === 300));
    // Eight different clearings of 300 race for 600 left: exactly two fit.
    const racing = await Promise.all(Array.from({ length: 8 }, () => bank.clear(clearing(auth.id, 300))));
    assert.equal(racing.filter((a) => a.responseCode === '00').length, 2);
    assert.equal(racing.filter((a) => a.responseCode === '13').length, 6);
    assert.equal((await amounts(auth.id))?.cleared_minor, 900);
    const wrongKind = await bank.refund({ ...refund(auth.id, 100), id: clear.id });
    assert.deepEqual([wrongKind.responseCode, wrongKind.reason], ['12', 'message_id_reused']);
  });

  test('an authorization repeated to the bank is answered once, and an advice beforehand makes a late copy a decline', async () => {
    const bank = new TestBank(f);
    const request = authorization('4242424242424242');
    const [a, b] = await Promise.all([bank.authorize(request), bank.authorize(request)]);
    assert.deepEqual(a, b);
    const count = await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM test_bank_authorizations WHERE request_id = ?', [request.id]);
    assert.equal(Number(count?.n), 1);

    const late = authorization('4242424242424242');
    const standIn = { ...a, id: late.id, responseCode: '91' as const, approved: false, approvalCode: null, reason: 'issuer_unavailable', decidedBy: 'network' as const, issuerAuthorizationId: null, approvedAmount: { minor: 0, currency: 'USD' } };
    await bank.advise({ type: 'advice', id: 'adv_1', request: late, response: standIn });
    const answer = await bank.authorize(late);
    assert.deepEqual([answer.responseCode, answer.approved, answer.decidedBy], ['91', false, 'network']);
    const row = await f.db.get<Record<string, unknown>>('SELECT stand_in_code, authorized_minor FROM test_bank_authorizations WHERE request_id = ?', [late.id]);
    assert.deepEqual(row, { stand_in_code: '91', authorized_minor: 0 });
  });

  test("on the network's database the bank writes the network's record in its own transaction: one commit a message", async () => {
    const authorized = await tallyStatements(() => network.authorize(authorization('4242424242424242', { amount: { minor: 700, currency: 'USD' } })));
    const auth = authorized.result;
    assert.equal(auth.responseCode, '00');
    assert.equal(authorized.transactions, 1, authorized.sql.join('\n'));
    const clear = clearing(auth.id, 700, true);
    const cleared = await tallyStatements(() => network.clear(clear));
    expect(cleared.result, '00', 700, 'cleared');
    assert.equal(cleared.transactions, 1, cleared.sql.join('\n'));
    // The records are the ones the network writes itself: the issuer's answer, answered at the first attempt.
    for (const [id, responseCode] of [[auth.id, '00'], [clear.id, '00']] as const) {
      const record = await getNetworkMessage(f.db, id);
      assert.deepEqual([record?.responseCode, record?.decidedBy, record?.issuerOutcome, record?.attempts], [responseCode, 'issuer', 'answered', 1]);
    }
    // A repeat is answered from the network's record: it reaches no bank and writes nothing.
    const repeated = await tallyStatements(() => network.clear(clear));
    expect(repeated.result, '00', 700, 'cleared');
    assert.deepEqual([repeated.statements, repeated.transactions], [1, 0], repeated.sql.join('\n'));
    assert.deepEqual(await amounts(auth.id), { authorized_minor: 700, cleared_minor: 700, released_minor: 0, refunded_minor: 0, closed_at_ms: f.clock.nowMs() });
  });

  test('the bank keeps no card number', async () => {
    const rows = [
      ...(await f.db.all('SELECT * FROM test_bank_authorizations')),
      ...(await f.db.all('SELECT * FROM test_bank_messages')),
      ...(await f.db.all('SELECT * FROM network_messages')),
    ];
    const text = JSON.stringify(rows);
    for (const pan of ['4242424242424242', '5555555555554444', '4000056655665556', '5105105105105100']) assert.ok(!text.includes(pan), pan);
  });
});
