import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backfillPaymentMethodPars } from '../../src/acquirer/payments/payment-method-par-backfill.ts';
import { BLOCK_PREPAID_ON_CUSTOMER_INITIATED } from '../../src/acquirer/risk/presets.ts';
import { backfillCardPaymentAccountReferences } from '../../src/issuer/cards/card-par-backfill.ts';
import { paymentAccountReferences } from '../../src/network/payment-account-reference.ts';
import { TEST_NETWORK_PAR_KEY } from '../support/card-fixture.ts';
import { doctorFixture } from './doctor-fixture.ts';

// The doctor links a Cardlane card with a merchant's attempts that never
// reached the issuer by the card account's PAR alone — it holds no key and
// sees no number — and records from before PARs link once the start-up
// backfills have run.

const WINDOW = { fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-12-01T00:00:00Z') };
const parOf = paymentAccountReferences(TEST_NETWORK_PAR_KEY);

test('records from before PARs: not linked (and the doctor says why) until each party has backfilled its PARs', async () => {
  const f = await doctorFixture();
  try {
    await f.addRule(BLOCK_PREPAID_ON_CUSTOMER_INITIATED);
    const card = await f.base.openCard({ loadUsdMinor: 5000 });
    const customer = await f.stripe.customers.create({ email: 'li.lei@example.com' });
    const pm = await f.paymentMethod(card);
    await f.stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true });
    const pi = await f.stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: customer.id, payment_method: pm.id });
    await f.declineOf(f.stripe.paymentIntents.confirm(pi.id));
    const holder = { view: 'cardholder', cardholderId: card.cardholderId } as const;

    // Linked from the start: both parties stored the PAR when the card was opened and vaulted.
    const linked = await f.doctor.traceCard(card.cardId, WINDOW, { view: 'operator' }, 'en');
    assert.deepEqual(linked.attempts.map((a) => [a.purpose, a.reached_issuer]), [['account_verification', true], ['purchase', false]]);
    assert.equal((await f.doctor.trace(pi.id, holder, 'en')).attempts.length, 1);

    // As a database migrated from before PARs would be.
    await f.db.run('UPDATE issuer_cards SET payment_account_reference = NULL');
    await f.db.run('UPDATE acquirer_payment_methods SET payment_account_reference = NULL');
    const unlinked = await f.doctor.traceCard(card.cardId, WINDOW, { view: 'operator' }, 'en');
    assert.deepEqual(unlinked.attempts.map((a) => a.purpose), ['account_verification']);
    assert.match(unlinked.notes.join(' '), /not connected: the issuer has no payment account reference for this card yet/);
    await assert.rejects(f.doctor.trace(pi.id, holder, 'en'), (e: any) => e.code === 'resource_missing', 'the blocked attempt is not provably the cardholder\'s');

    assert.deepEqual(await backfillCardPaymentAccountReferences(f.db, f.base.keyring, parOf), { updated: 1, skipped: 0 });
    assert.deepEqual(await backfillPaymentMethodPars(f.db, f.deps.vaultKey, parOf), { updated: 1, skipped: 0 });
    const relinked = await f.doctor.traceCard(card.cardId, WINDOW, { view: 'operator' }, 'en');
    assert.deepEqual(relinked, linked);
    assert.equal((await f.doctor.trace(pi.id, holder, 'en')).attempts.length, 1);
    await f.network.idle();
    await f.base.assertConsistent();
  } finally {
    await f.close();
  }
});

test("another cardholder's card with a PAR does not own the attempt", async () => {
  const f = await doctorFixture();
  try {
    await f.addRule(BLOCK_PREPAID_ON_CUSTOMER_INITIATED);
    const card = await f.base.openCard({ loadUsdMinor: 5000 });
    const stranger = await f.base.openCard({ loadUsdMinor: 5000 });
    const pm = await f.paymentMethod(card);
    const pi = await f.stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: pm.id });
    await f.declineOf(f.stripe.paymentIntents.confirm(pi.id));
    await assert.rejects(f.doctor.trace(pi.id, { view: 'cardholder', cardholderId: stranger.cardholderId }, 'en'), (e: any) => e.code === 'resource_missing');
    assert.equal((await f.doctor.trace(pi.id, { view: 'cardholder', cardholderId: card.cardholderId }, 'en')).attempts.length, 1);
  } finally {
    await f.close();
  }
});
