import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { BILLING_ATTEMPT_RESOLVERS, doctorPorts } from '../../src/app/doctor.ts';
import { Doctor } from '../../src/doctor/doctor.ts';
import { cardlaneThreeDSecureFixture, type CardlaneThreeDSecureFixture } from '../support/cardlane-three-d-secure.ts';
import { browse } from '../support/three-d-secure-fixture.ts';

// Cardlane's own 3-D Secure challenges have their own ids (chl_…), which neither Stripe's charges nor Cardlane's
// cardholders (both ch_…) use: the doctor reads one as the check it is. A challenge stored before keeps working by its id.

let f: CardlaneThreeDSecureFixture | undefined;
afterEach(async () => {
  if (f === undefined) return;
  await f.base.assertConsistent();
  await f.close();
  f = undefined;
});

const pageIdOf = (url: string) => decodeURIComponent(new URL(url).pathname.split('/').at(-1)!);

test('a challenge is chl_…, its page is found by it, and `cardlane doctor chl_…` traces the payment it belongs to', async () => {
  f = await cardlaneThreeDSecureFixture({ mode: 'always', aboveUsdMinor: 3_000 });
  const card = await f.base.openCard({ loadUsdMinor: 10_000 });
  const pm = await f.paymentMethod(card);
  const pi = await f.stripe.paymentIntents.create({ amount: 2_000, currency: 'usd', payment_method: pm.id, confirm: true, return_url: 'https://shop.example/done' });
  assert.equal(pi.status, 'requires_action');
  const url = pi.next_action!.redirect_to_url!.url!;
  const challengeId = pageIdOf(url);
  assert.match(challengeId, /^chl_[0-9A-Z]{26}$/);
  const row = (await f.db.get<{ id: string; challenge_id: string }>('SELECT id, challenge_id FROM issuer_authentications WHERE challenge_id = ?', [challengeId]))!;
  assert.match(row.id, /^ch_\w+\.3ds$/, "the authentication keeps the acquirer's id");
  assert.equal((await browse(url)).status, 200);
  // The acquirer's id (which the merchant knows, after its charge) is not the page's handle.
  assert.equal((await browse(url.replace(challengeId, encodeURIComponent(row.id)))).status, 404);

  const doctor = new Doctor({ db: f.db, ...doctorPorts(f.db), billingResolvers: BILLING_ATTEMPT_RESOLVERS });
  for (const id of [challengeId, row.id]) {
    const trace = await doctor.trace(id, { view: 'operator' }, 'en');
    assert.deepEqual(trace.subject, { kind: 'authentication', id });
    assert.equal(trace.attempts.length, 1);
    assert.equal(trace.attempts[0]!.reference, row.id.slice(0, -'.3ds'.length));
  }
  await assert.rejects(doctor.trace('chl_01JZZZZZZZZZZZZZZZZZZZZZZZ', { view: 'operator' }, 'en'), (e: any) => e.code === 'resource_missing');
});

test('a challenge stored before challenges had their own id is still served by its id', async () => {
  f = await cardlaneThreeDSecureFixture({ mode: 'always', aboveUsdMinor: 3_000 });
  const card = await f.base.openCard({ loadUsdMinor: 10_000 });
  const pm = await f.paymentMethod(card);
  const pi = await f.stripe.paymentIntents.create({ amount: 2_000, currency: 'usd', payment_method: pm.id, confirm: true, return_url: 'https://shop.example/done' });
  const url = pi.next_action!.redirect_to_url!.url!;
  const challengeId = pageIdOf(url);
  const { id } = (await f.db.get<{ id: string }>('SELECT id FROM issuer_authentications WHERE challenge_id = ?', [challengeId]))!;
  // As a row written before the migration: no challenge id, its page at the authentication's id.
  await f.db.run('UPDATE issuer_authentications SET challenge_id = NULL WHERE id = ?', [id]);
  const legacy = url.replace(challengeId, encodeURIComponent(id));
  const page = await browse(legacy);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /确认是你本人|Confirm it is you/);
  const [code] = await f.smsCodes(card);
  const right = await f.post(legacy, { action: 'code', code: code! });
  assert.equal(right.status, 303, 'the code completes it from the old address');
  assert.equal((await f.db.get<{ status: string }>('SELECT status FROM issuer_authentications WHERE id = ?', [id]))!.status, 'authenticated');
});
