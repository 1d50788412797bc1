import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Trace } from '../../src/doctor/trace-types.ts';
import { doctorFixture } from './doctor-fixture.ts';

// Issue 16, name checks: the doctor explains a name the merchant was given that does not match the card's.

const issuerHop = (trace: Trace) => trace.attempts.at(-1)!.hops.find((h) => h.party === 'issuer')!;

test('the doctor explains a name mismatch (no match, partial) in English and Chinese; a match says nothing', async () => {
  const f = await doctorFixture();
  try {
    const card = await f.base.openCard({ loadUsdMinor: 5_000 });
    const holder = { view: 'cardholder' as const, cardholderId: card.cardholderId };
    const pay = async (name: string) => {
      const pm = await f.stripe.paymentMethods.create({
        type: 'card',
        card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 },
        billing_details: { name, address: { line1: '548 Market St', postal_code: '94104', country: 'US' } },
      });
      const pi = await f.stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: pm.id, confirm: true });
      assert.equal(pi.status, 'succeeded');
      return pi.id;
    };
    const wrong = await pay('Zhang San');
    assert.match(issuerHop(await f.trace(wrong, holder)).summary, /does not match the name on the card \(name check: no match\)/);
    assert.match(issuerHop(await f.trace(wrong, holder, 'zh-CN')).summary, /姓名核验：不符/);
    const first = card.card.cardholderName.split(' ')[0]!;
    const partly = await pay(`${first} Someone`);
    assert.match(issuerHop(await f.trace(partly, holder)).summary, /partial match/);
    const right = await pay(card.card.cardholderName.toLowerCase());
    assert.doesNotMatch(issuerHop(await f.trace(right, holder)).summary, /name check/);
    await f.network.idle();
    await f.base.assertConsistent();
  } finally {
    await f.close();
  }
});
