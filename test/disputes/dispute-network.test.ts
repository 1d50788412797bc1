import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { CardNetwork } from '../../src/network/card-network.ts';
import { DisputeRouter } from '../../src/network/disputes/dispute-router.ts';
import { DISPUTE_REASONS } from '../../src/network/index.ts';
import type { ChargebackRequest, DisputeAcquirerEndpoint, DisputeMessageResponse, RepresentmentRequest } from '../../src/network/messages.ts';
import type { LedgerFixture } from '../support/ledger-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';
import { authorization, clearing, networkFixture, nextId, refund, START_MS, type NetworkFixture } from '../network/network-fixture.ts';

// The network's dispute service on its own: checks, routing, repeats.

let f: NetworkFixture;
let network: CardNetwork;
let router: DisputeRouter;
let delivered: ChargebackRequest[];
let answerCode: DisputeMessageResponse['responseCode'];

const acquirer: DisputeAcquirerEndpoint = {
  acquirerId: 'cardlane-acquirer',
  async receiveChargeback(request) {
    delivered.push(request);
    return { type: 'dispute_response', id: request.id, responseCode: answerCode, reason: answerCode === '00' ? 'opened' : 'busy', receiverRef: 'du_1', decidedBy: 'issuer' };
  },
  async receiveDecision(request) {
    return { type: 'dispute_response', id: request.id, responseCode: '00', reason: 'closed', receiverRef: 'du_1', decidedBy: 'issuer' };
  },
};

beforeEach(async () => {
  f = await networkFixture();
  network = testPaymentNetwork(f as unknown as LedgerFixture);
  router = new DisputeRouter({ db: f.db, clock: f.clock, timeoutMs: 1_000 });
  router.connectAcquirer(acquirer);
  delivered = [];
  answerCode = '00';
});
afterEach(async () => {
  await network.idle();
  await f.cleanup();
});

async function clearedPayment(amount = 1_000): Promise<string> {
  const auth = authorization('4242424242424242', { amount: { minor: amount, currency: 'USD' } });
  assert.equal((await network.authorize(auth)).responseCode, '00');
  assert.equal((await network.clear(clearing(auth.id, amount, true))).responseCode, '00');
  return auth.id;
}

const chargeback = (originalId: string, overrides: Partial<ChargebackRequest> = {}): ChargebackRequest => ({
  type: 'chargeback',
  id: nextId('cb'),
  sender: 'test-bank',
  originalId,
  kind: 'chargeback',
  category: 'product_not_received',
  reasonCode: DISPUTE_REASONS.product_not_received.visa.code,
  amount: { minor: 1_000, currency: 'USD' },
  cardholderStatement: 'never arrived',
  respondByMs: START_MS + 7 * 86_400_000,
  sentAtMs: START_MS,
  ...overrides,
});

test('a chargeback is carried once: a repeat gets the first answer, a reused id with another request is refused 94', async () => {
  const original = await clearedPayment();
  const request = chargeback(original);
  const first = await router.chargeback(request);
  assert.deepEqual([first.responseCode, first.receiverRef], ['00', 'du_1']);
  const repeat = await router.chargeback({ ...request, sentAtMs: START_MS + 5_000 });
  assert.deepEqual(repeat, first);
  assert.equal(delivered.length, 1, 'the acquirer saw it once');
  assert.equal((await router.chargeback({ ...request, amount: { minor: 500, currency: 'USD' } })).responseCode, '94');
  // Concurrent copies of one message: one delivery.
  const other = await clearedPayment();
  const twin = chargeback(other);
  const answers = await Promise.all([router.chargeback(twin), router.chargeback(twin), router.chargeback(twin)]);
  assert.deepEqual(new Set(answers.map((a) => a.responseCode)), new Set(['00']));
  assert.equal(delivered.filter((d) => d.id === twin.id).length, 1);
});

test('refusals: a second chargeback of one payment, more than cleared minus refunded, the wrong sender, a wrong reason code, an unknown original', async () => {
  const original = await clearedPayment(1_000);
  assert.equal((await network.refund(refund(original, 400))).responseCode, '00');
  const tooMuch = await router.chargeback(chargeback(original, { amount: { minor: 700, currency: 'USD' } }));
  assert.deepEqual([tooMuch.responseCode, tooMuch.reason], ['13', 'exceeds_disputable']);
  assert.equal((await router.chargeback(chargeback(original, { sender: 'cardlane' }))).reason, 'not_the_issuer');
  assert.equal((await router.chargeback(chargeback(original, { reasonCode: '10.4' }))).reason, 'invalid_reason_code');
  assert.equal((await router.chargeback(chargeback('auth_unknown'))).reason, 'unknown_original');
  const partial = await router.chargeback(chargeback(original, { amount: { minor: 600, currency: 'USD' } }));
  assert.equal(partial.responseCode, '00');
  const second = await router.chargeback(chargeback(original, { amount: { minor: 100, currency: 'USD' } }));
  assert.deepEqual([second.responseCode, second.reason], ['12', 'already_chargeback']);
  // Two different chargebacks of one payment at once: exactly one is carried.
  const contested = await clearedPayment();
  const both = await Promise.all([router.chargeback(chargeback(contested)), router.chargeback(chargeback(contested))]);
  assert.deepEqual(both.map((a) => a.responseCode).sort(), ['00', '12']);
  assert.equal(delivered.filter((d) => d.originalId === contested).length, 1);
});

test('a receiver that asks to retry keeps the step for the same id; representments only from the acquirer of the payment', async () => {
  const original = await clearedPayment();
  answerCode = '91';
  const request = chargeback(original);
  assert.equal((await router.chargeback(request)).responseCode, '91');
  answerCode = '00';
  assert.equal((await router.chargeback(request)).responseCode, '00', 'the retry is carried again');
  assert.equal(delivered.length, 2);
  const representment = (sender: string): RepresentmentRequest => ({
    type: 'representment', id: nextId('rep'), sender, chargebackId: request.id, action: 'represent', evidence: { uncategorized_text: 'x' }, sentAtMs: START_MS,
  });
  assert.equal((await router.represent(representment('someone-else'))).reason, 'not_the_acquirer');
  // The test bank is not connected to this router as a dispute issuer: the network asks the acquirer to retry.
  assert.equal((await router.represent(representment('cardlane-acquirer'))).responseCode, '91');
  const messages = await router.messagesOf(request.id);
  assert.equal(messages[0]!.type, 'chargeback');
});
