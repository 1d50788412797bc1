import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { expireDueAuthorizations } from '../../../src/issuer/authorization/expire.ts';
import { findAuthorizationByRequestId } from '../../../src/issuer/authorization/records.ts';
import { loadSpend, NO_SPEND, periodsOf, spentNow } from '../../../src/issuer/authorization/spend.ts';
import { countSpendFromRecords, releaseInPeriods, type ApprovedPiece } from '../../../src/issuer/authorization/spend-release.ts';
import { updateControls } from '../../../src/issuer/cards/card-controls-service.ts';
import { cardFixture, followUp, type CardFixture } from '../../support/card-fixture.ts';

/**
 * The day and month limits count exactly what is spent or still held.
 *
 * A model keeps, for each authorization, the pieces it was approved in (its
 * approval, then each approved increase, with their times), and takes
 * released cents off them one by one, oldest piece first (a release frees
 * what was approved before it); what it still counts in a period is what is left of the pieces
 * approved in that period. Refunds change nothing. Under any sequence of
 * purchases, increases, partial and full reversals, partial and final
 * clearings, refunds, hours passing (across days and a month's end) and
 * expiries (the background sweep, or a late follow-up), after every step:
 *
 * 1. every purchase and increase is approved or declined on the limits as
 *    the model says it must be (the balance is never the reason);
 * 2. the card's counters read what the model counts for today and this month;
 * 3. recounting from the records (what setting a limit does) agrees.
 */

const usd = (minor: number) => ({ minor, currency: 'USD' });
const HOUR_MS = 3_600_000;
const PER_DAY = 5_000;
const PER_MONTH = 12_000;

type Step =
  | { kind: 'authorize'; amount: number }
  | { kind: 'increment'; pick: number; amount: number }
  | { kind: 'reverse'; pick: number; share: number | null }
  | { kind: 'clear'; pick: number; share: number; final: boolean }
  | { kind: 'refund'; pick: number; share: number }
  | { kind: 'hours'; hours: number }
  | { kind: 'sweep' };

const pick = fc.nat({ max: 9 });
const share = fc.double({ min: 0.05, max: 1, noNaN: true });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('authorize' as const), amount: fc.integer({ min: 1, max: 3_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('increment' as const), pick, amount: fc.integer({ min: 1, max: 2_000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick, share: fc.option(share, { nil: null }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('clear' as const), pick, share, final: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refund' as const), pick, share }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('hours' as const), hours: fc.integer({ min: 1, max: 60 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sweep' as const }) },
);

/** One authorization as the model sees it: its approved pieces, oldest first. */
interface Modelled {
  readonly requestId: string;
  readonly pieces: ApprovedPiece[];
}

/** What the model still counts for `nowMs`'s day and month: pieces less released cents taken off the oldest, one at a time. */
function modelCount(auths: readonly Modelled[], releasedOf: ReadonlyMap<string, number>, nowMs: number): { day: number; month: number } {
  const now = periodsOf(nowMs);
  let day = 0;
  let month = 0;
  for (const auth of auths) {
    const left = auth.pieces.map((p) => p.usdMinor);
    let released = releasedOf.get(auth.requestId) ?? 0;
    for (let i = 0; i < left.length && released > 0; i++) {
      while (left[i]! > 0 && released > 0) {
        left[i]! -= 1;
        released -= 1;
      }
    }
    auth.pieces.forEach((piece, i) => {
      const at = periodsOf(piece.atMs);
      if (at.monthIndex !== now.monthIndex) return;
      month += left[i]!;
      if (at.dayIndex === now.dayIndex) day += left[i]!;
    });
  }
  return { day, month };
}

let f: CardFixture;
before(async () => {
  f = await cardFixture({ seed: 77 });
});
after(async () => {
  await f.cleanup();
});

test('the day and month limits count exactly what is spent or held, under any order of messages and time', { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 18 }), async (steps) => {
      const card = await f.openCard({ loadUsdMinor: 1_000_000 });
      await f.db.transaction((tx) =>
        updateControls(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId, patch: { spending_limits: { per_day: PER_DAY, per_month: PER_MONTH } } }),
      );
      const auths: Modelled[] = [];
      const releasedOf = new Map<string, number>();
      const refreshReleased = async () => {
        for (const auth of auths) releasedOf.set(auth.requestId, (await findAuthorizationByRequestId(f.db, auth.requestId))!.releasedUsdMinor);
      };
      const expectDecision = (amount: number, answer: { responseCode: string; reason: string }, what: string) => {
        const counted = modelCount(auths, releasedOf, f.clock.nowMs());
        const reason = counted.day + amount > PER_DAY ? 'limit_per_day_exceeded' : counted.month + amount > PER_MONTH ? 'limit_per_month_exceeded' : 'approved';
        return { counted, reason, check: () => assert.equal(answer.reason, reason, `${what} ${amount} with ${JSON.stringify(counted)} counted`) };
      };

      for (const s of steps) {
        const auth = auths.length === 0 ? undefined : auths[('pick' in s ? s.pick : 0) % auths.length];
        const record = auth === undefined ? undefined : await findAuthorizationByRequestId(f.db, auth.requestId);
        if (s.kind === 'authorize') {
          const request = f.authRequest(card, { amount: usd(s.amount), merchantCustomerRef: null });
          const answer = await f.issuer.authorize(request);
          expectDecision(s.amount, answer, 'purchase').check();
          if (answer.approved) auths.push({ requestId: request.id, pieces: [{ atMs: f.clock.nowMs(), usdMinor: s.amount }] });
        } else if (s.kind === 'hours') {
          f.clock.advanceMs(s.hours * HOUR_MS);
        } else if (s.kind === 'sweep') {
          await expireDueAuthorizations(f.db, f.clock, f.ledger);
        } else if (auth !== undefined && record !== undefined) {
          const id = auth.requestId;
          if (s.kind === 'increment') {
            // The model decides only while the hold is live: an expired or ended one is refused for that, not for the limit.
            const live = record.status === 'pending' && record.expiresAtMs! > f.clock.nowMs();
            const expected = expectDecision(s.amount, { responseCode: '', reason: '' }, 'increase');
            const answer = await f.issuer.incrementAuthorization(followUp(f, 'incremental_authorization', id, { amount: usd(s.amount) }));
            if (live) assert.equal(answer.reason, expected.reason, `increase ${s.amount} with ${JSON.stringify(expected.counted)} counted`);
            if (answer.approved) auth.pieces.push({ atMs: f.clock.nowMs(), usdMinor: s.amount });
          } else if (s.kind === 'reverse') {
            await f.issuer.reverse(followUp(f, 'reversal', id, { amount: s.share === null ? null : usd(Math.max(1, Math.round(record.heldUsdMinor * s.share))) }));
          } else if (s.kind === 'clear') {
            await f.issuer.clear(followUp(f, 'clearing', id, { amount: usd(Math.max(1, Math.round(record.heldUsdMinor * s.share))), final: s.final }));
          } else {
            await f.issuer.refund(followUp(f, 'refund', id, { amount: usd(Math.max(1, Math.round((record.clearedUsdMinor - record.refundedUsdMinor) * s.share))) }));
          }
        }
        await refreshReleased();

        const nowMs = f.clock.nowMs();
        const model = modelCount(auths, releasedOf, nowMs);
        const counters = spentNow((await loadSpend(f.db, [card.cardId])).get(card.cardId) ?? NO_SPEND, nowMs);
        assert.deepEqual(counters, model, `the card's counters after ${s.kind}`);
        assert.deepEqual(await countSpendFromRecords(f.db, card.cardId, nowMs), model, `a recount from the records after ${s.kind}`);
      }
      await f.assertConsistent();
    }),
    { numRuns: 30, endOnFailure: true },
  );
});

test('a release gives back the same whether it comes at once or in parts, and never more than the period counted', () => {
  const piece = fc.record({ atMs: fc.integer({ min: Date.UTC(2027, 0, 30), max: Date.UTC(2027, 1, 2) }), usdMinor: fc.integer({ min: 1, max: 300 }) });
  fc.assert(
    fc.property(
      fc.array(piece, { minLength: 1, maxLength: 6 }).map((pieces) => [...pieces].sort((a, b) => a.atMs - b.atMs)),
      fc.array(fc.nat({ max: 400 }), { maxLength: 5 }),
      fc.integer({ min: Date.UTC(2027, 1, 1), max: Date.UTC(2027, 1, 3) }),
      (pieces, parts, nowMs) => {
        const total = pieces.reduce((sum, p) => sum + p.usdMinor, 0);
        // Releases never pass what was approved.
        let released = 0;
        const steps: number[] = [];
        for (const part of parts) {
          const next = Math.min(part, total - released);
          steps.push(next);
          released += next;
        }
        let day = 0;
        let month = 0;
        let before = 0;
        for (const part of steps) {
          const share = releaseInPeriods(pieces, before, part, nowMs);
          day += share.day;
          month += share.month;
          before += part;
        }
        const atOnce = releaseInPeriods(pieces, 0, released, nowMs);
        assert.deepEqual({ day, month }, atOnce);
        const requestId = 'r';
        const counted = (r: number) => modelCount([{ requestId, pieces }], new Map([[requestId, r]]), nowMs);
        const full = counted(0);
        const left = counted(released);
        assert.deepEqual({ day: full.day - left.day, month: full.month - left.month }, atOnce, 'the cent-by-cent model agrees');
        assert.ok(atOnce.day <= full.day && atOnce.month <= full.month);
      },
    ),
    { numRuns: 2_000 },
  );
});
