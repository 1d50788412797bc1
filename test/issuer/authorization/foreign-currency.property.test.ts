import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { billed, fxRecordOf, type IssuerFx } from '../../../src/issuer/authorization/foreign-exchange.ts';
import { findAuthorizationByRequestId } from '../../../src/issuer/authorization/records.ts';
import { cardFixture, followUp, type CardFixture } from '../../support/card-fixture.ts';

/**
 * No FX money is created or lost: whatever mix of increases, partial
 * captures, reversals and refunds follows a foreign authorization, at its
 * rate, (1) the records match the ledger after every step, (2) what is
 * still held is exactly billed(approved) − billed(no longer held), and
 * (3) once the rest is reversed and everything cleared is refunded, the
 * card has exactly what it was loaded with.
 */

const FX: IssuerFx = { ratesToUsd: { GBP: '1.2719', EUR: '1.08', JPY: '0.0067' }, crossBorderFeeBps: 175 };
const LOADED = 1_000_000;

type Step =
  | { kind: 'clear'; share: number; final: boolean }
  | { kind: 'reverse'; share: number | null }
  | { kind: 'refund'; share: number }
  | { kind: 'increment'; minor: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('clear' as const), share: fc.double({ min: 0, max: 1.1, noNaN: true }), final: fc.boolean() }),
  fc.record({ kind: fc.constant('reverse' as const), share: fc.option(fc.double({ min: 0, max: 1.1, noNaN: true }), { nil: null }) }),
  fc.record({ kind: fc.constant('refund' as const), share: fc.double({ min: 0, max: 1.1, noNaN: true }) }),
  fc.record({ kind: fc.constant('increment' as const), minor: fc.integer({ min: 1, max: 5_000 }) }),
);

let f: CardFixture;
before(async () => {
  f = await cardFixture({ fx: FX });
});
after(async () => {
  await f.cleanup();
});

test('foreign authorizations: any capture/reversal/refund/increase sequence at the authorization rate creates or loses no cent', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('GBP', 'EUR', 'JPY'), fc.integer({ min: 1, max: 200_000 }), fc.array(step, { maxLength: 8 }), async (currency, amount, steps) => {
      const card = await f.openCard({ loadUsdMinor: LOADED });
      const request = f.authRequest(card, { amount: { minor: amount, currency } });
      const answer = await f.issuer.authorize(request);
      assert.equal(answer.responseCode, '00', JSON.stringify(answer));
      const money = (minor: number) => ({ minor: Math.max(1, minor), currency });
      const fx = async () => (await f.db.transaction((tx) => fxRecordOf(tx, (answer.issuerAuthorizationId ?? ''))))!;

      for (const s of steps) {
        const before = await fx();
        const left = before.approvedMinor - before.consumedMinor;
        if (s.kind === 'clear') await f.issuer.clear(followUp(f, 'clearing', request.id, { amount: money(Math.round(left * s.share)), final: s.final }));
        else if (s.kind === 'reverse') await f.issuer.reverse(followUp(f, 'reversal', request.id, { amount: s.share === null ? null : money(Math.round(left * s.share)) }));
        else if (s.kind === 'refund') await f.issuer.refund(followUp(f, 'refund', request.id, { amount: money(Math.round((before.clearedMinor - before.refundedMinor) * s.share)) }));
        else await f.issuer.incrementAuthorization(followUp(f, 'incremental_authorization', request.id, { amount: money(s.minor) }));

        await f.assertConsistent();
        const now = await fx();
        const record = (await findAuthorizationByRequestId(f.db, request.id))!;
        if (record.status === 'pending') {
          assert.equal(record.heldUsdMinor, billed(now.approvedMinor, now).usdMinor - billed(now.consumedMinor, now).usdMinor, 'held = billed(approved) − billed(consumed)');
        }
        assert.equal(record.approvedUsdMinor, billed(now.approvedMinor, now).usdMinor, 'approved USD = billed(approved in the currency)');
        assert.ok(record.clearedUsdMinor + record.releasedUsdMinor + record.heldUsdMinor === record.approvedUsdMinor, 'cleared + released + held = approved');
        assert.equal(await f.available(card), LOADED - record.heldUsdMinor - record.clearedUsdMinor + record.refundedUsdMinor);
      }

      // Wind down: release what is held, refund everything cleared; the card is whole again.
      const record = (await findAuthorizationByRequestId(f.db, request.id))!;
      if (record.status === 'pending') assert.equal((await f.issuer.reverse(followUp(f, 'reversal', request.id, { amount: null }))).responseCode, '00');
      const end = await fx();
      if (end.clearedMinor > end.refundedMinor) {
        const refund = await f.issuer.refund(followUp(f, 'refund', request.id, { amount: { minor: end.clearedMinor - end.refundedMinor, currency } }));
        assert.equal(refund.responseCode, '00', JSON.stringify(refund));
      }
      assert.equal(await f.available(card), LOADED, 'a full round trip leaves the card exactly as loaded');
      await f.assertConsistent();
    }),
    { numRuns: 25, endOnFailure: true },
  );
});
