import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultBinTable } from '../../src/network/bins.ts';
import { CardNetwork } from '../../src/network/card-network.ts';
import type { AuthorizationRequest, CheckResult, IsoResponseCode } from '../../src/network/messages.ts';
import { createTestIssuers } from '../../src/network/test-issuers/create-test-issuers.ts';
import { auditTestBank } from '../../src/network/test-issuers/test-bank-audit.ts';
import { TestBank } from '../../src/network/test-issuers/test-bank.ts';
import { authorization, networkFixture, RecordingIssuer, withLuhn, type NetworkFixture } from './network-fixture.ts';

/**
 * Every scripted test card through the network with the default BIN table:
 * what the acquirer learns about the card (brand, country, funding) and what
 * the test bank answers (ISO code, reason, AVS and CVC results).
 */
interface Row {
  readonly pan: string;
  readonly note?: string;
  readonly request?: Partial<AuthorizationRequest>;
  readonly card?: Partial<AuthorizationRequest['card']>;
  readonly code: IsoResponseCode;
  readonly reason: string;
  readonly avs?: [CheckResult, CheckResult];
  readonly cvv2?: CheckResult;
  readonly card_info: [string, string, string];
}

const VISA_US_CREDIT: Row['card_info'] = ['visa', 'US', 'credit'];
const APPROVED = { code: '00', reason: 'approved' } as const;

const ROWS: Row[] = [
  { pan: '4242424242424242', ...APPROVED, card_info: VISA_US_CREDIT },
  { pan: '4000056655665556', ...APPROVED, card_info: ['visa', 'US', 'debit'] },
  { pan: '4000009990000005', ...APPROVED, card_info: ['visa', 'US', 'prepaid'] },
  { pan: '5555555555554444', ...APPROVED, card_info: ['mastercard', 'US', 'credit'] },
  { pan: '5200828282828210', ...APPROVED, card_info: ['mastercard', 'US', 'debit'] },
  { pan: '5105105105105100', ...APPROVED, card_info: ['mastercard', 'US', 'prepaid'] },
  { pan: '378282246310005', ...APPROVED, card_info: ['amex', 'US', 'credit'] },
  { pan: '6011111111111117', ...APPROVED, card_info: ['discover', 'US', 'credit'] },
  { pan: '4000000760000002', ...APPROVED, card_info: ['visa', 'BR', 'credit'] },
  { pan: '4000001240000000', ...APPROVED, card_info: ['visa', 'CA', 'credit'] },
  { pan: '4000001560000002', ...APPROVED, card_info: ['visa', 'CN', 'credit'] },
  { pan: '4000003920000003', ...APPROVED, card_info: ['visa', 'JP', 'credit'] },
  { pan: '4000008260000000', ...APPROVED, card_info: ['visa', 'GB', 'credit'] },
  { pan: '4000000000000002', code: '05', reason: 'generic_decline', card_info: VISA_US_CREDIT },
  { pan: '4000000000009995', code: '51', reason: 'insufficient_funds', card_info: VISA_US_CREDIT },
  { pan: '4000000000009987', code: '41', reason: 'lost_card', card_info: VISA_US_CREDIT },
  { pan: '4000000000009979', code: '43', reason: 'stolen_card', card_info: VISA_US_CREDIT },
  { pan: '4000000000000069', code: '54', reason: 'card_expired', card_info: VISA_US_CREDIT },
  { pan: '4000000000000127', code: 'N7', reason: 'cvv2_mismatch', cvv2: 'fail', card_info: VISA_US_CREDIT },
  { pan: '4000000000000119', code: '96', reason: 'processing_error', card_info: VISA_US_CREDIT },
  { pan: '4000000000006975', code: '65', reason: 'card_velocity_exceeded', card_info: VISA_US_CREDIT },
  { pan: '4000000000000341', note: 'purchase', code: '05', reason: 'generic_decline', card_info: VISA_US_CREDIT },
  { pan: '4000000000000341', note: 'attach', request: { purpose: 'account_verification', amount: { minor: 0, currency: 'USD' } }, ...APPROVED, card_info: VISA_US_CREDIT },
  { pan: '4000000000000101', note: 'with CVC', code: 'N7', reason: 'cvv2_mismatch', cvv2: 'fail', card_info: VISA_US_CREDIT },
  { pan: '4000000000000101', note: 'without CVC', card: { cvv2: null }, ...APPROVED, cvv2: 'unchecked', card_info: VISA_US_CREDIT },
  { pan: '4000000000000036', ...APPROVED, avs: ['pass', 'fail'], card_info: VISA_US_CREDIT },
  { pan: '4000000000000028', ...APPROVED, avs: ['fail', 'pass'], card_info: VISA_US_CREDIT },
  { pan: '4000000000000010', ...APPROVED, avs: ['fail', 'fail'], card_info: VISA_US_CREDIT },
  { pan: '4000000000000010', note: 'no address sent', request: { avs: null }, ...APPROVED, avs: ['unchecked', 'unchecked'], card_info: VISA_US_CREDIT },
  { pan: '4000000000000044', ...APPROVED, avs: ['unavailable', 'unavailable'], card_info: VISA_US_CREDIT },
  { pan: '4100000000000019', note: "blocked by the acquirer's risk rules, not the bank", ...APPROVED, card_info: VISA_US_CREDIT },
  { pan: '4000002500003155', note: 'customer-initiated', code: '1A', reason: 'authentication_required', card_info: VISA_US_CREDIT },
  {
    pan: '4000002500003155',
    note: 'merchant-initiated, never set up',
    request: { initiator: 'merchant', entryMode: 'credential_on_file' },
    card: { cvv2: null },
    code: '1A',
    reason: 'authentication_required',
    cvv2: 'unchecked',
    card_info: VISA_US_CREDIT,
  },
  { pan: '4000002500003155', note: 'set-up, as at Stripe', request: { purpose: 'account_verification' }, code: '1A', reason: 'authentication_required', card_info: VISA_US_CREDIT },
  { pan: '4000008400001629', note: 'set-up', request: { purpose: 'account_verification' }, code: '1A', reason: 'authentication_required', card_info: VISA_US_CREDIT },
  { pan: '4242424242424242', note: 'past expiry', card: { expMonth: 10, expYear: 2026 }, code: '54', reason: 'card_expired', card_info: VISA_US_CREDIT },
  { pan: '4242424242424242', note: 'expires this month', card: { expMonth: 11, expYear: 2026 }, ...APPROVED, card_info: VISA_US_CREDIT },
];

describe('test cards through the network', () => {
  let f: NetworkFixture;
  let network: CardNetwork;
  let testBank: TestBank;
  const cardlane = new RecordingIssuer('cardlane');
  before(async () => {
    f = await networkFixture();
    const testIssuers = createTestIssuers(f);
    testBank = testIssuers.find((issuer): issuer is TestBank => issuer instanceof TestBank)!;
    network = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins: defaultBinTable(), issuers: [cardlane, ...testIssuers] });
  });
  after(async () => {
    assert.deepEqual(await auditTestBank(f.db), []);
    await f.cleanup();
  });

  for (const row of ROWS) {
    test(`${row.pan}${row.note ? ` (${row.note})` : ''} → ${row.code} ${row.reason}`, async () => {
      const base = authorization(row.pan);
      const request: AuthorizationRequest = { ...base, ...row.request, card: { ...base.card, ...row.card } };
      const info = network.lookupCard(row.pan);
      assert.deepEqual(info && [info.brand, info.country, info.funding], row.card_info);
      const response = await network.authorize(request);
      const cvcSent = request.card.cvv2 !== null;
      assert.deepEqual(
        {
          code: response.responseCode,
          reason: response.reason,
          approved: response.approved,
          avs: [response.avs.line1, response.avs.postalCode],
          cvv2: response.cvv2,
          decidedBy: response.decidedBy,
          issuer: response.issuer,
        },
        {
          code: row.code,
          reason: row.reason,
          approved: row.code === '00',
          avs: row.avs ?? (request.avs ? ['pass', 'pass'] : ['unchecked', 'unchecked']),
          cvv2: row.cvv2 ?? (cvcSent ? 'pass' : 'unchecked'),
          decidedBy: 'issuer',
          issuer: 'test-bank',
        },
      );
      assert.equal(response.approvedAmount.minor, row.code === '00' ? request.amount.minor : 0);
      assert.equal(response.approvalCode === null, row.code !== '00');
      assert.match(response.issuerAuthorizationId ?? '', /^tbauth_/);
    });
  }

  test('4000002500003155: a merchant-initiated charge approves once the card was set up (authenticated) at that merchant, not at another', async () => {
    const pan = '4000002500003155';
    const merchant = { acquirerId: 'cardlane-acquirer', merchantId: 'acct_setup', name: 'SETUP CO', mcc: '5734', country: 'US' };
    const mit = (merchantId: string) =>
      authorization(pan, { initiator: 'merchant', entryMode: 'credential_on_file', merchant: { ...merchant, merchantId }, card: { pan, expMonth: 12, expYear: 2030, cvv2: null } });
    assert.equal((await network.authorize(mit('acct_setup'))).reason, 'authentication_required');
    const verification = authorization(pan, { purpose: 'account_verification', amount: { minor: 0, currency: 'USD' }, merchant });
    assert.equal((await network.authorize(verification)).reason, 'authentication_required', 'the set-up asks first');
    const challenge = await network.authenticate({
      type: 'authentication', id: 'seti_1.3ds', purpose: 'account_verification', card: { ...verification.card, cvv2: null },
      amount: verification.amount, merchant, notificationUrl: '/acquirer/3ds/return/seti_1.3ds', sentAtMs: f.clock.nowMs(),
    });
    assert.equal(challenge.status, 'challenge');
    await testBank.acs.finish('seti_1.3ds', 'complete');
    const passed = await network.authenticationResult(pan, 'seti_1.3ds');
    const setup = await network.authorize({ ...verification, id: `${verification.id}.again`, authentication: passed.authentication });
    assert.equal(setup.responseCode, '00');
    assert.equal((await network.authorize(mit('acct_setup'))).responseCode, '00');
    assert.equal((await network.authorize(mit('acct_other'))).reason, 'authentication_required');
    const cit = await network.authorize(authorization(pan, { merchant }));
    assert.equal(cit.reason, 'authentication_required');
  });

  test('cards the network answers itself: failing Luhn → 14, unknown BIN → 15; a Cardlane card reaches the cardlane issuer', async () => {
    const luhn = await network.authorize(authorization('4242424242424241'));
    assert.deepEqual([luhn.responseCode, luhn.reason, luhn.decidedBy, luhn.issuer], ['14', 'invalid_card_number', 'network', null]);
    const unknown = await network.authorize(authorization('4111111111111111'));
    assert.deepEqual([unknown.responseCode, unknown.reason, unknown.decidedBy, unknown.issuer], ['15', 'no_such_issuer', 'network', null]);
    assert.equal(network.lookupCard('4111111111111111'), null);
    const ours = withLuhn('453000001234567');
    const response = await network.authorize(authorization(ours));
    assert.deepEqual([response.responseCode, response.issuer, response.decidedBy], ['00', 'cardlane', 'issuer']);
    assert.deepEqual(cardlane.callsOf('authorization').map((c) => c.id), [response.id]);
  });
});
