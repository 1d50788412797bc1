import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_HOLD_TTL_MS } from '../../../src/issuer/authorization/engine-deps.ts';
import { expireDueAuthorizations } from '../../../src/issuer/authorization/expire.ts';
import { findAuthorizationByRequestId } from '../../../src/issuer/authorization/records.ts';
import { cardBalance, closeCard } from '../../../src/issuer/cards/card-money.ts';
import { walletAccountId } from '../../../src/issuer/money/ledger-accounts.ts';
import { cardFixture, followUp, type CardFixture } from '../../support/card-fixture.ts';

/**
 * A USD card's money under any order of the engine's messages and the
 * cardholder's close: purchases, partial and final clearings, partial and
 * full reversals, increments, refunds, days passing (holds expire, the sweep
 * comes by) and the card closed at any point. After every step:
 *
 * 1. nothing is created or lost: wallet + card = loaded − cleared + refunded;
 * 2. the card's posted balance is what it was loaded with, less what was
 *    cleared, plus refunds, less what was swept to the wallet;
 * 3. a closed card holds only what approved holds still hold (no free money
 *    nobody could unload);
 * 4. every record agrees with the ledger (the fixture's audit).
 */

const LOADED = 10_000;
const usd = (minor: number) => ({ minor, currency: 'USD' });

type Step =
  | { kind: 'authorize'; amount: number }
  | { kind: 'clear'; pick: number; share: number; final: boolean }
  | { kind: 'reverse'; pick: number; share: number | null }
  | { kind: 'increment'; pick: number; amount: number }
  | { kind: 'refund'; pick: number; share: number }
  | { kind: 'days'; days: number }
  | { kind: 'close' };

const pick = fc.nat({ max: 7 });
const share = fc.double({ min: 0.01, max: 1.2, noNaN: true });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('authorize' as const), amount: fc.integer({ min: 1, max: 4_000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('clear' as const), pick, share, final: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick, share: fc.option(share, { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('increment' as const), pick, amount: fc.integer({ min: 1, max: 3_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refund' as const), pick, share }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('days' as const), days: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
);

let f: CardFixture;
before(async () => {
  f = await cardFixture();
});
after(async () => {
  await f.cleanup();
});

test('any order of payments, captures, releases, refunds, expiries and a close creates or loses no cent, and a closed card keeps no free money', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
      const card = await f.openCard({ loadUsdMinor: LOADED });
      const wallet = async () => (await f.ledger.getBalance(f.db, walletAccountId(card.cardholderId)))?.available ?? 0;
      const walletStart = await wallet();
      const requests: string[] = [];
      let closed = false;
      const record = async (i: number) => (requests.length === 0 ? undefined : findAuthorizationByRequestId(f.db, requests[i % requests.length]!));

      for (const s of steps) {
        if (s.kind === 'authorize') {
          const request = f.authRequest(card, { amount: usd(s.amount) });
          await f.issuer.authorize(request);
          requests.push(request.id);
        } else if (s.kind === 'days') {
          f.clock.advanceMs(s.days * 24 * 60 * 60 * 1000);
          // The background sweep, as the issuer's task runs it.
          await expireDueAuthorizations(f.db, f.clock, f.ledger);
        } else if (s.kind === 'close') {
          if (!closed) await f.db.transaction((tx) => closeCard(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId }));
          closed = true;
        } else {
          const r = await record(s.pick);
          if (r === undefined) continue;
          const id = r.requestId;
          if (s.kind === 'clear') await f.issuer.clear(followUp(f, 'clearing', id, { amount: usd(Math.max(1, Math.round(r.heldUsdMinor * s.share))), final: s.final }));
          else if (s.kind === 'reverse') await f.issuer.reverse(followUp(f, 'reversal', id, { amount: s.share === null ? null : usd(Math.max(1, Math.round(r.heldUsdMinor * s.share))) }));
          else if (s.kind === 'increment') await f.issuer.incrementAuthorization(followUp(f, 'incremental_authorization', id, { amount: usd(s.amount) }));
          else await f.issuer.refund(followUp(f, 'refund', id, { amount: usd(Math.max(1, Math.round((r.clearedUsdMinor - r.refundedUsdMinor) * s.share))) }));
        }

        await f.assertConsistent();
        let cleared = 0;
        let refunded = 0;
        let held = 0;
        for (const id of requests) {
          const r = (await findAuthorizationByRequestId(f.db, id))!;
          cleared += r.clearedUsdMinor;
          refunded += r.refundedUsdMinor;
          if (r.status === 'pending' && r.expiresAtMs !== null && r.expiresAtMs > f.clock.nowMs()) held += r.heldUsdMinor;
        }
        const balance = await cardBalance(f.ledger, f.db, card.cardId);
        const walletGained = (await wallet()) - walletStart;
        assert.equal(balance.postedUsdMinor + walletGained, LOADED - cleared + refunded, 'card + wallet = loaded − cleared + refunded');
        assert.equal(balance.heldUsdMinor - held >= 0, true);
        if (closed) assert.equal(balance.availableUsdMinor, 0, 'a closed card keeps no free money');
        else assert.equal(walletGained, 0, 'an open card sends nothing to the wallet by itself');
      }
      f.clock.advanceMs(DEFAULT_HOLD_TTL_MS);
      await expireDueAuthorizations(f.db, f.clock, f.ledger);
      await f.ledger.expireDue(f.db);
    }),
    { numRuns: 40, endOnFailure: true },
  );
});
