import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { setVerificationHoldRelease } from '../../src/acquirer/merchants/merchants.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// Billing's card object tells the truth about the verification hold: the
// acquirer's merchant may keep it for hours (verification_hold_release), so
// `verification.released` is not always true — it says until when it is held.

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture();
});
afterEach(async () => {
  await b.cards.assertConsistent();
  await b.close();
});

const HOUR = 3_600_000;

test('a hold the merchant keeps for 6 hours: held, with its release time; released once that time has passed', async () => {
  await b.f.db.transaction((tx) => setVerificationHoldRelease(tx, b.f.merchant.merchant.id, { kind: 'after_hours', hours: 6 }));
  const { pmId } = await b.cardlaneCard(2_000);
  const { apiKey } = await b.newOrg();
  const addedAtMs = b.f.clock.nowMs();
  const added = await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.equal(added.body.verification.hold.amount_minor, 500);
  assert.equal(added.body.verification.released, false);
  const releaseAtMs = Date.parse(added.body.verification.release_at);
  assert.ok(releaseAtMs >= addedAtMs + 6 * HOUR - 1000 && releaseAtMs <= addedAtMs + 6 * HOUR + 1000, added.body.verification.release_at);

  b.f.clock.advanceMs(6 * HOUR + 60_000);
  const [card] = (await b.api(apiKey, 'GET', '/payment_methods')).body.data;
  assert.deepEqual([card.verification.released, card.verification.release_at], [true, added.body.verification.release_at]);
});

test('a hold the merchant never releases: held, with no release time', async () => {
  await b.f.db.transaction((tx) => setVerificationHoldRelease(tx, b.f.merchant.merchant.id, { kind: 'never' }));
  const { pmId } = await b.cardlaneCard(2_000);
  const { apiKey } = await b.newOrg();
  const added = await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId });
  assert.deepEqual([added.status, added.body.verification.released, added.body.verification.release_at], [201, false, null]);
});

test('a hold released at once (the default): released, no release time to wait for', async () => {
  const { pmId } = await b.cardlaneCard(2_000);
  const { apiKey } = await b.newOrg();
  const added = await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId });
  assert.deepEqual([added.status, added.body.verification.released, added.body.verification.release_at], [201, true, null]);
});
