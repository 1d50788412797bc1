import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { AuthorizationRequest, AvsResult, CheckResult, IsoResponseCode } from '../../../src/network/messages.ts';
import { hasDeclineText } from '../../../src/issuer/authorization/decline-text.ts';
import { findAuthorizationByRequestId, getAuthorization, listCardAuthorizations } from '../../../src/issuer/authorization/records.ts';
import { deriveCvv2 } from '../../../src/issuer/card-secrets.ts';
import { updateControls, setFrozen } from '../../../src/issuer/cards/card-controls-service.ts';
import { closeCard } from '../../../src/issuer/cards/card-money.ts';
import { cardFixture, type CardFixture, type OpenedCard } from '../../support/card-fixture.ts';

/**
 * One row per check of the decision order (and the approvals around them):
 * the request, the card's state, the ISO code and reason expected. Each row
 * gets a fresh card with $50 on it; the record, the AVS/CVV2 results and
 * the balance are checked for every row.
 */

interface Row {
  readonly name: string;
  /** Changes the card or its history before the request; may return a different card to charge. */
  readonly setup?: (f: CardFixture, card: OpenedCard) => Promise<OpenedCard | void>;
  readonly request?: (card: OpenedCard, f: CardFixture) => Partial<AuthorizationRequest>;
  readonly code: IsoResponseCode;
  readonly reason: string;
  readonly avs?: AvsResult;
  readonly cvv2?: CheckResult;
  /** What the decision holds on the card (default: the amount when approved). */
  readonly holds?: number;
}

const LOADED = 5_000;
const usd = (minor: number) => ({ minor, currency: 'USD' });

const patch = (body: unknown) => async (f: CardFixture, card: OpenedCard) => {
  await f.db.transaction((tx) => updateControls(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId, patch: body }));
};

/** Authorizes and expects approval (for rows that need earlier spending). */
const spend = async (f: CardFixture, card: OpenedCard, overrides: Partial<AuthorizationRequest>) => {
  const response = await f.issuer.authorize(f.authRequest(card, overrides));
  assert.equal(response.responseCode, '00', JSON.stringify(response));
};

const ROWS: Row[] = [
  { name: 'a purchase that passes every check', code: '00', reason: 'approved', avs: { line1: 'pass', postalCode: 'pass' }, cvv2: 'pass' },
  {
    name: 'unknown card number',
    request: () => ({ card: { pan: '4000000000000002', expMonth: 12, expYear: 2030, cvv2: '123' } }),
    code: '14',
    reason: 'card_not_found',
    avs: { line1: 'unchecked', postalCode: 'unchecked' },
    cvv2: 'unchecked',
  },
  {
    name: 'closed card',
    setup: async (f, card) => void (await f.db.transaction((tx) => closeCard(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId }))),
    code: '14',
    reason: 'card_closed',
  },
  {
    name: 'frozen card',
    setup: async (f, card) => void (await f.db.transaction((tx) => setFrozen(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId, frozen: true }))),
    code: '62',
    reason: 'card_frozen',
  },
  {
    name: 'frozen card with a wrong CVV2: the earlier check decides, both results are returned',
    setup: async (f, card) => void (await f.db.transaction((tx) => setFrozen(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId, frozen: true }))),
    request: (card) => ({ card: { ...cardData(card), cvv2: wrongCvv(card.cvv2) } }),
    code: '62',
    reason: 'card_frozen',
    cvv2: 'fail',
  },
  {
    name: 'expired card',
    setup: async (f, card) => {
      // Issued long ago: valid through October 2026, the fixture's clock is late November 2026.
      await f.db.run('UPDATE issuer_cards SET exp_month = 10, exp_year = 2026 WHERE id = ?', [card.cardId]);
      return { ...card, expMonth: 10, expYear: 2026, cvv2: deriveCvv2(f.keyring, card.pan, 10, 2026) };
    },
    code: '54',
    reason: 'card_expired',
    cvv2: 'pass',
  },
  { name: 'expiry sent is not the card’s', request: (card) => ({ card: { ...cardData(card), expYear: card.expYear + 1 } }), code: '54', reason: 'expiry_mismatch' },
  { name: 'wrong CVV2', request: (card) => ({ card: { ...cardData(card), cvv2: wrongCvv(card.cvv2) } }), code: 'N7', reason: 'cvv2_mismatch', cvv2: 'fail' },
  { name: 'malformed CVV2', request: (card) => ({ card: { ...cardData(card), cvv2: '12a' } }), code: 'N7', reason: 'cvv2_mismatch', cvv2: 'fail' },
  {
    name: 'no CVV2 on a customer-initiated e-commerce payment',
    request: (card) => ({ card: { ...cardData(card), cvv2: null } }),
    code: 'N7',
    reason: 'cvv2_required',
    cvv2: 'unchecked',
  },
  {
    name: 'no CVV2, merchant-initiated off-session charge without a stored credential',
    request: (card) => ({ card: { ...cardData(card), cvv2: null }, initiator: 'merchant', entryMode: 'credential_on_file', avs: null }),
    code: 'N7',
    reason: 'cvv2_required',
    cvv2: 'unchecked',
    avs: { line1: 'unchecked', postalCode: 'unchecked' },
  },
  {
    name: 'no CVV2, customer paying with a stored card without a stored credential',
    request: (card) => ({ card: { ...cardData(card), cvv2: null }, entryMode: 'credential_on_file' }),
    code: 'N7',
    reason: 'cvv2_required',
    cvv2: 'unchecked',
  },
  {
    name: 'no CVV2, merchant-initiated charge on the stored credential of a CVV2-checked verification at this merchant',
    setup: storeCredential(),
    request: (card) => ({ card: { ...cardData(card), cvv2: null }, initiator: 'merchant', entryMode: 'credential_on_file', avs: null, storedCredentialOriginalId: origins.get(card.cardId)! }),
    code: '00',
    reason: 'approved',
    cvv2: 'unchecked',
    avs: { line1: 'unchecked', postalCode: 'unchecked' },
  },
  {
    name: 'no CVV2, customer paying with a stored card on its stored credential',
    setup: storeCredential(),
    request: (card) => ({ card: { ...cardData(card), cvv2: null }, entryMode: 'credential_on_file', storedCredentialOriginalId: origins.get(card.cardId)! }),
    code: '00',
    reason: 'approved',
    cvv2: 'unchecked',
  },
  {
    name: 'no CVV2, a stored credential from another merchant',
    setup: storeCredential({ merchant: { acquirerId: 'cardlane-acquirer', merchantId: 'acct_other', name: 'OTHER', mcc: '5734', country: 'US' } }),
    request: (card) => ({ card: { ...cardData(card), cvv2: null }, initiator: 'merchant', entryMode: 'credential_on_file', storedCredentialOriginalId: origins.get(card.cardId)! }),
    code: '05',
    reason: 'stored_credential_invalid',
    cvv2: 'unchecked',
  },
  {
    name: 'no CVV2, the stored credential of another card',
    setup: async (f, card) => {
      const other = await f.openCard({ loadUsdMinor: LOADED });
      await storeCredential()(f, other);
      origins.set(card.cardId, origins.get(other.cardId)!);
    },
    request: (card) => ({ card: { ...cardData(card), cvv2: null }, initiator: 'merchant', entryMode: 'credential_on_file', storedCredentialOriginalId: origins.get(card.cardId)! }),
    code: '05',
    reason: 'stored_credential_invalid',
  },
  {
    name: 'no CVV2, a stored credential that was itself approved without CVV2 (only the CVV2-checked first one counts)',
    setup: async (f, card) => {
      await storeCredential()(f, card);
      await storeCredential({ card: { ...cardData(card), cvv2: null }, initiator: 'merchant', entryMode: 'credential_on_file', storedCredentialOriginalId: origins.get(card.cardId)! })(f, card);
    },
    request: (card) => ({ card: { ...cardData(card), cvv2: null }, initiator: 'merchant', entryMode: 'credential_on_file', storedCredentialOriginalId: origins.get(card.cardId)! }),
    code: '05',
    reason: 'stored_credential_invalid',
  },
  {
    name: 'no CVV2, a stored credential whose authorization was declined (wrong CVV2)',
    setup: storeCredential((card) => ({ card: { ...cardData(card), cvv2: wrongCvv(card.cvv2) } }), 'N7'),
    request: (card) => ({ card: { ...cardData(card), cvv2: null }, initiator: 'merchant', entryMode: 'credential_on_file', storedCredentialOriginalId: origins.get(card.cardId)! }),
    code: '05',
    reason: 'stored_credential_invalid',
  },
  {
    name: 'no CVV2, a stored credential that names no authorization',
    request: (card) => ({ card: { ...cardData(card), cvv2: null }, initiator: 'merchant', entryMode: 'credential_on_file', storedCredentialOriginalId: 'ch_never_sent' }),
    code: '05',
    reason: 'stored_credential_invalid',
  },
  { name: 'a malformed stored credential', request: () => ({ storedCredentialOriginalId: 'not an id!' }), code: '12', reason: 'invalid_request' },
  {
    name: 'AVS: street does not match',
    request: () => ({ avs: { line1: '1 Infinite Loop', postalCode: '94104' } }),
    code: '05',
    reason: 'avs_line1_mismatch',
    avs: { line1: 'fail', postalCode: 'pass' },
  },
  {
    name: 'AVS: postal code does not match',
    request: () => ({ avs: { line1: '548 Market Street', postalCode: '10001' } }),
    code: '05',
    reason: 'avs_postal_code_mismatch',
    avs: { line1: 'pass', postalCode: 'fail' },
  },
  {
    name: 'AVS: neither matches',
    request: () => ({ avs: { line1: '1 Infinite Loop', postalCode: '95014' } }),
    code: '05',
    reason: 'avs_mismatch',
    avs: { line1: 'fail', postalCode: 'fail' },
  },
  {
    name: 'AVS: only the postal code sent, and it matches',
    request: () => ({ avs: { line1: null, postalCode: '94104-0000' } }),
    code: '00',
    reason: 'approved',
    avs: { line1: 'unchecked', postalCode: 'pass' },
  },
  { name: 'KYC no longer approved', setup: async (f) => f.openCard({ loadUsdMinor: LOADED, kyc: false }), code: '62', reason: 'kyc_not_approved' },
  { name: 'a currency other than USD', request: () => ({ amount: { minor: 1_000, currency: 'EUR' } }), code: '57', reason: 'currency_not_supported', holds: 0 },
  { name: 'MCC on the block list', setup: patch({ mcc_block: ['5734'] }), code: '57', reason: 'mcc_blocked' },
  { name: 'MCC not on the allow list', setup: patch({ mcc_allow: ['4111'] }), code: '57', reason: 'mcc_blocked' },
  { name: 'merchant country blocked', setup: patch({ country_block: ['US'] }), code: '62', reason: 'country_blocked' },
  { name: 'merchant country not allowed', setup: patch({ country_allow: ['CN'] }), code: '62', reason: 'country_blocked' },
  {
    name: 'over the per-transaction limit',
    setup: patch({ spending_limits: { per_transaction: 1_000 } }),
    request: () => ({ amount: { minor: 1_001, currency: 'USD' } }),
    code: '61',
    reason: 'limit_per_transaction_exceeded',
  },
  {
    name: 'at the per-transaction limit',
    setup: patch({ spending_limits: { per_transaction: 1_000 } }),
    request: () => ({ amount: { minor: 1_000, currency: 'USD' } }),
    code: '00',
    reason: 'approved',
  },
  {
    name: 'over the per-day limit, counting what was approved today',
    setup: async (f, card) => {
      await patch({ spending_limits: { per_day: 2_000 } })(f, card);
      await spend(f, card, { amount: { minor: 1_500, currency: 'USD' } });
    },
    request: () => ({ amount: { minor: 501, currency: 'USD' } }),
    code: '61',
    reason: 'limit_per_day_exceeded',
  },
  {
    name: 'over the per-month limit, counting what was approved this month',
    setup: async (f, card) => {
      await patch({ spending_limits: { per_month: 3_000 } })(f, card);
      await spend(f, card, { amount: { minor: 2_000, currency: 'USD' } });
      await spend(f, card, { amount: { minor: 900, currency: 'USD' } });
    },
    request: () => ({ amount: { minor: 101, currency: 'USD' } }),
    code: '61',
    reason: 'limit_per_month_exceeded',
  },
  {
    name: 'a day limit set after spending counts the day’s earlier approvals',
    setup: async (f, card) => {
      await spend(f, card, { amount: usd(2_000), merchantCustomerRef: null });
      const raised = f.authRequest(card, { amount: usd(500) });
      assert.equal((await f.issuer.authorize(raised)).responseCode, '00');
      const increment = await f.issuer.incrementAuthorization({ type: 'incremental_authorization', id: f.nextId('inc'), originalId: raised.id, amount: usd(500), sentAtMs: 0 });
      assert.equal(increment.responseCode, '00');
      await patch({ spending_limits: { per_day: 4_000 } })(f, card);
    },
    request: () => ({ amount: usd(1_001) }),
    code: '61',
    reason: 'limit_per_day_exceeded',
  },
  {
    name: 'a fifth customer account at one merchant',
    setup: async (f, card) => {
      for (const ref of ['cus_a', 'cus_b', 'cus_c', 'cus_d']) await spend(f, card, { merchantCustomerRef: ref });
    },
    request: () => ({ merchantCustomerRef: 'cus_e' }),
    code: '57',
    reason: 'merchant_account_limit',
  },
  {
    name: 'one of the four known accounts pays again',
    setup: async (f, card) => {
      for (const ref of ['cus_a', 'cus_b', 'cus_c', 'cus_d']) await spend(f, card, { merchantCustomerRef: ref });
    },
    request: () => ({ merchantCustomerRef: 'cus_c' }),
    code: '00',
    reason: 'approved',
  },
  {
    name: 'no customer ref: not counted against the accounts rule',
    setup: async (f, card) => {
      for (const ref of ['cus_a', 'cus_b', 'cus_c', 'cus_d']) await spend(f, card, { merchantCustomerRef: ref });
    },
    request: () => ({ merchantCustomerRef: null }),
    code: '00',
    reason: 'approved',
  },
  {
    name: 'a fifth account at another merchant is another merchant',
    setup: async (f, card) => {
      for (const ref of ['cus_a', 'cus_b', 'cus_c', 'cus_d']) await spend(f, card, { merchantCustomerRef: ref });
    },
    request: () => ({ merchantCustomerRef: 'cus_e', merchant: { acquirerId: 'cardlane-acquirer', merchantId: 'acct_other', name: 'OTHER', mcc: '5734', country: 'US' } }),
    code: '00',
    reason: 'approved',
  },
  {
    name: 'the account limit lowered to 2 by the cardholder',
    setup: async (f, card) => {
      await patch({ max_accounts_per_merchant: 2 })(f, card);
      for (const ref of ['cus_a', 'cus_b']) await spend(f, card, { merchantCustomerRef: ref });
    },
    request: () => ({ merchantCustomerRef: 'cus_c' }),
    code: '57',
    reason: 'merchant_account_limit',
  },
  { name: 'more than the available balance', request: () => ({ amount: { minor: LOADED + 1, currency: 'USD' } }), code: '51', reason: 'insufficient_funds' },
  {
    name: 'the balance is there but held by an earlier authorization',
    setup: async (f, card) => spend(f, card, { amount: { minor: 4_000, currency: 'USD' } }),
    request: () => ({ amount: { minor: 1_001, currency: 'USD' } }),
    code: '51',
    reason: 'insufficient_funds',
  },
  { name: 'exactly the available balance', request: () => ({ amount: { minor: LOADED, currency: 'USD' } }), code: '00', reason: 'approved' },
  { name: 'a purchase for nothing', request: () => ({ amount: { minor: 0, currency: 'USD' } }), code: '13', reason: 'invalid_amount', holds: 0 },
  { name: 'a negative amount', request: () => ({ amount: { minor: -5, currency: 'USD' } }), code: '13', reason: 'invalid_amount', holds: 0 },
  { name: 'a fractional amount', request: () => ({ amount: { minor: 1.5, currency: 'USD' } }), code: '13', reason: 'invalid_amount', holds: 0 },
  { name: 'a malformed MCC', request: () => ({ merchant: { acquirerId: 'a', merchantId: 'm', name: 'N', mcc: 'abcd', country: 'US' } }), code: '12', reason: 'invalid_request' },
  { name: 'a merchant country that is no country (UK for GB)', request: () => ({ merchant: { acquirerId: 'a', merchantId: 'm', name: 'N', mcc: '5734', country: 'UK' } }), code: '12', reason: 'invalid_request' },
  { name: 'an unknown purpose', request: () => ({ purpose: 'refund' as never }), code: '12', reason: 'invalid_request' },
  {
    name: 'a verification for nothing: approved, nothing held',
    request: () => ({ purpose: 'account_verification', amount: { minor: 0, currency: 'USD' } }),
    code: '00',
    reason: 'approved',
    holds: 0,
  },
  {
    name: 'a $5 verification holds $5 like a purchase',
    request: () => ({ purpose: 'account_verification', amount: { minor: 500, currency: 'USD' } }),
    code: '00',
    reason: 'approved',
    holds: 500,
  },
  {
    name: 'a $5 verification on an empty card is declined for funds (the seed’s case)',
    setup: async (f) => f.openCard(),
    request: () => ({ purpose: 'account_verification', amount: { minor: 500, currency: 'USD' } }),
    code: '51',
    reason: 'insufficient_funds',
  },
  {
    name: 'a verification is not held to the spending limits',
    setup: patch({ spending_limits: { per_transaction: 100 } }),
    request: () => ({ purpose: 'account_verification', amount: { minor: 500, currency: 'USD' } }),
    code: '00',
    reason: 'approved',
    holds: 500,
  },
  {
    name: 'a verification is still held to the controls (MCC)',
    setup: patch({ mcc_block: ['5734'] }),
    request: () => ({ purpose: 'account_verification', amount: { minor: 0, currency: 'USD' } }),
    code: '57',
    reason: 'mcc_blocked',
  },
];

/** The stored credential each row's card was given in its setup (by card id). */
const origins = new Map<string, string>();

/** Setup: a zero-amount verification (by default with the right CVV2), whose id the row's request then names. */
function storeCredential(overrides: Partial<AuthorizationRequest> | ((card: OpenedCard) => Partial<AuthorizationRequest>) = {}, code: IsoResponseCode = '00') {
  return async (f: CardFixture, card: OpenedCard) => {
    const request = f.authRequest(card, { purpose: 'account_verification', amount: usd(0), ...(typeof overrides === 'function' ? overrides(card) : overrides) });
    assert.equal((await f.issuer.authorize(request)).responseCode, code);
    origins.set(card.cardId, request.id);
  };
}

function cardData(card: OpenedCard) {
  return { pan: card.pan, expMonth: card.expMonth, expYear: card.expYear, cvv2: card.cvv2 };
}

function wrongCvv(cvv2: string): string {
  return String((Number(cvv2) + 1) % 1000).padStart(3, '0');
}

describe('authorization decisions, one row per check', () => {
  let f: CardFixture;
  before(async () => {
    f = await cardFixture();
  });
  afterEach(async () => {
    await f.assertConsistent();
  });
  after(async () => {
    await f.cleanup();
  });

  for (const row of ROWS) {
    test(`${row.code} ${row.reason}: ${row.name}`, async () => {
      let card = await f.openCard({ loadUsdMinor: LOADED });
      card = (await row.setup?.(f, card)) ?? card;
      const before = await f.available(card);
      const request = f.authRequest(card, row.request?.(card, f) ?? {});
      const response = await f.issuer.authorize(request);

      assert.equal(response.responseCode, row.code, JSON.stringify(response));
      assert.equal(response.reason, row.reason);
      assert.equal(response.approved, row.code === '00');
      assert.equal(response.id, request.id);
      assert.equal(response.decidedBy, 'issuer');
      assert.equal(response.issuer, 'cardlane');
      if (row.avs) assert.deepEqual(response.avs, row.avs);
      if (row.cvv2) assert.equal(response.cvv2, row.cvv2);
      assert.ok(hasDeclineText(row.reason), `the catalogue explains ${row.reason}`);

      const approved = row.code === '00';
      const amount = typeof request.amount.minor === 'number' && Number.isSafeInteger(request.amount.minor) ? request.amount.minor : 0;
      const held = row.holds ?? (approved ? amount : 0);
      assert.deepEqual(response.approvedAmount, { minor: approved ? amount : 0, currency: request.amount.currency });
      if (approved) assert.match(response.approvalCode ?? '', /^[0-9A-Z]{6}$/);
      else assert.equal(response.approvalCode, null);
      assert.equal(await f.available(card), before - held, 'held exactly what was approved');

      // Every decision is recorded, with each check's result.
      const record = await findAuthorizationByRequestId(f.db, request.id);
      assert.ok(record, 'recorded');
      assert.equal(response.issuerAuthorizationId, record.id);
      assert.match(record.id, /^iauth_/);
      assert.equal(record.responseCode, row.code);
      assert.equal(record.reason, row.reason);
      assert.equal(record.heldUsdMinor, held);
      assert.equal(record.status, approved ? (held > 0 ? 'pending' : 'closed') : 'declined');
      assert.equal(record.cardId, row.reason === 'card_not_found' ? null : card.cardId);
      assert.ok(record.latencyUs >= 0);
      assert.equal(typeof record.checks, 'object');
      if (row.reason !== 'card_not_found' && row.reason !== 'invalid_request' && row.reason !== 'invalid_amount') {
        assert.equal(record.checks.card, 'pass');
        assert.equal(record.checks.balance === undefined, false, 'every check is evaluated and recorded');
      }
      assert.deepEqual(await getAuthorization(f.db, record.id), record);
      if (record.cardId) assert.ok((await listCardAuthorizations(f.db, record.cardId, { limit: 50 })).some((r) => r.id === record.id));

      // The same message again is a repeat: the same answer, nothing done twice.
      const again = await f.issuer.authorize(request);
      assert.deepEqual(again, response);
      assert.equal(await f.available(card), before - held);
    });
  }

  test('a message id that cannot be recorded is refused without a record', async () => {
    const card = await f.openCard({ loadUsdMinor: LOADED });
    const response = await f.issuer.authorize(f.authRequest(card, { id: 'bad id with spaces' }));
    assert.equal(response.responseCode, '12');
    assert.equal(response.issuerAuthorizationId, null);
    assert.equal(await f.available(card), LOADED);
  });

  test('no card data is stored: no PAN, no CVV2 in any authorization column', async () => {
    const card = await f.openCard({ loadUsdMinor: LOADED });
    await f.issuer.authorize(f.authRequest(card));
    await f.issuer.authorize(f.authRequest(card, { card: { ...cardData(card), cvv2: wrongCvv(card.cvv2) } }));
    const dump = JSON.stringify([
      ...(await f.db.all('SELECT * FROM issuer_authorizations')),
      ...(await f.db.all('SELECT * FROM issuer_authorization_messages')),
      ...(await f.db.all('SELECT * FROM ledger_transfers')),
    ]);
    assert.ok(!dump.includes(card.pan), 'no PAN');
    assert.ok(!dump.includes(`"${card.cvv2}"`) && !dump.includes(`"${wrongCvv(card.cvv2)}"`), 'no CVV2');
  });
});
