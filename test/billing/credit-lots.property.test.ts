import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import fc from 'fast-check';
import { creditBalance, grantCredits, orgCreditsAccount, removeCredits } from '../../src/billing/billing-ledger.ts';
import { expireDueCredits } from '../../src/billing/credit-lots/credit-expiry.ts';
import { listLots } from '../../src/billing/credit-lots/credit-lots.ts';
import { recordUsage } from '../../src/billing/metering.ts';
import type { ManualClock } from '../../src/platform/clock.ts';
import { lookupAccounts } from '../../src/ledger/reads.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

// Credits that expire, as a property on the real ledger and database: any
// sequence of purchases (each a lot with its own expiry, or none), usage,
// refunds (from the purchase's own lot first, then oldest first, the rest as
// debt), clock jumps and runs of the expiry task matches a plain model of
// lots spent oldest-expiry-first — lot by lot — and the lots always add up to
// the ledger's credit account: no credit is ever created or lost.

let f: BillingFixture;
beforeEach(async () => {
  f = await billingFixture();
});
afterEach(async () => {
  await f.assertAudit();
  await f.cleanup();
});

const DAY = 86_400_000;
// cardlane-echo-1 costs $2 per 1M input tokens: 5,000 tokens are exactly one cent.
const TOKENS_PER_CENT = 5_000;

type Step =
  | { readonly kind: 'purchase'; readonly cents: number; readonly days: number | null }
  | { readonly kind: 'usage'; readonly cents: number }
  | { readonly kind: 'refund'; readonly pick: number; readonly share: number }
  | { readonly kind: 'jump'; readonly days: number }
  | { readonly kind: 'sweep' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('purchase' as const), cents: fc.integer({ min: 1, max: 3_000 }), days: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }) }),
  fc.record({ kind: fc.constant('usage' as const), cents: fc.integer({ min: 1, max: 2_000 }) }),
  fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(), share: fc.double({ min: 0.01, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('jump' as const), days: fc.integer({ min: 1, max: 40 }) }),
  fc.constant({ kind: 'sweep' as const }),
);

interface ModelLot {
  id: string;
  granted: number;
  remaining: number;
  expired: number;
  grantedAt: number;
  expiresAt: number | null;
  refunded: number;
}

class Model {
  lots: ModelLot[] = [];
  debt = 0;
  used = 0;
  refunded = 0;
  granted = 0;

  clone(): Model {
    const copy = new Model();
    Object.assign(copy, this, { lots: this.lots.map((lot) => ({ ...lot })) });
    return copy;
  }
  spendOrder(): ModelLot[] {
    const key = (lot: ModelLot) => [lot.expiresAt === null ? 1 : 0, lot.expiresAt ?? 0, lot.grantedAt] as const;
    return this.lots
      .filter((lot) => lot.remaining > 0)
      .sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
        return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      });
  }
  take(amount: number, first?: string): number {
    const order = this.spendOrder();
    const at = order.findIndex((lot) => lot.id === first);
    if (at > 0) order.unshift(...order.splice(at, 1));
    let left = amount;
    for (const lot of order) {
      const take = Math.min(left, lot.remaining);
      lot.remaining -= take;
      left -= take;
    }
    return amount - left;
  }
  posted(): number {
    return this.lots.reduce((sum, lot) => sum + lot.remaining, 0);
  }
  expireDue(now: number): void {
    for (const lot of this.lots) {
      if (lot.expiresAt !== null && lot.expiresAt <= now && lot.remaining > 0) {
        lot.expired += lot.remaining;
        lot.remaining = 0;
      }
    }
  }
  expiredTotal(): number {
    return this.lots.reduce((sum, lot) => sum + lot.expired, 0);
  }
}

test('lots are spent oldest expiry first, expire on the clock, and always add up to the ledger: credits are never created or lost', async () => {
  let run = 0;
  const clock = f.clock as ManualClock;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
      run++;
      const { orgId } = await f.newOrg(`Lot org ${run}`);
      let model = new Model();
      for (const [i, s] of steps.entries()) {
        const now = clock.nowMs();
        if (s.kind === 'purchase') {
          const id = `lot:${run}:${String(i).padStart(3, '0')}`;
          const expiresAt = s.days === null ? null : now + s.days * DAY;
          assert.equal((await grantCredits(f.db, f.deps, { orgId, amountMinor: s.cents, reason: 'purchase', transferId: id, expiresAtMs: expiresAt })).result, 'ok');
          model.lots.push({ id, granted: s.cents, remaining: s.cents, expired: 0, grantedAt: now, expiresAt, refunded: 0 });
          model.granted += s.cents;
          // Every grant pays debt first.
          model.debt -= model.take(model.debt);
        } else if (s.kind === 'usage') {
          const next = model.clone();
          next.expireDue(now);
          const outcome = await recordUsage(f.db, f.deps, { orgId, usageEventId: `lot-${run}-${i}`, model: 'cardlane-echo-1', inputTokens: s.cents * TOKENS_PER_CENT, outputTokens: 0 });
          const affordable = next.debt === 0 && next.posted() >= s.cents;
          assert.equal(outcome.result, affordable ? 'recorded' : 'insufficient_quota', `usage of ${s.cents} with ${next.posted()} unexpired and ${next.debt} owed`);
          if (affordable) {
            next.take(s.cents);
            next.used += s.cents;
            model = next;
          }
        } else if (s.kind === 'refund') {
          const refundable = model.lots.filter((lot) => lot.granted > lot.refunded);
          if (refundable.length === 0) continue;
          const lot = refundable[s.pick % refundable.length]!;
          const amount = Math.max(1, Math.floor((lot.granted - lot.refunded) * s.share));
          const removed = await removeCredits(f.db, f.deps, { orgId, amountMinor: amount, reason: 'refund', transferId: `${lot.id}:refund:${i}`, fromLotId: lot.id });
          const fromCredits = model.take(amount, lot.id);
          assert.deepEqual(removed, { fromCreditsMinor: fromCredits, asDebtMinor: amount - fromCredits });
          lot.refunded += amount;
          model.refunded += amount;
          model.debt += amount - fromCredits;
        } else if (s.kind === 'jump') {
          clock.advanceMs(s.days * DAY);
        } else {
          await expireDueCredits(f);
          model.expireDue(now);
        }
        // Lot by lot, the database is the model.
        const lots = (await listLots(f.db, orgId, 100)).map((lot) => ({ id: lot.id, remaining: lot.remainingMinor, expired: lot.expiredMinor })).sort((a, b) => (a.id < b.id ? -1 : 1));
        assert.deepEqual(lots, model.lots.map((lot) => ({ id: lot.id, remaining: lot.remaining, expired: lot.expired })).sort((a, b) => (a.id < b.id ? -1 : 1)));
        // The lots add up to the ledger's credit account, and every cent granted is spent, refunded, expired or still there.
        const [credits] = await lookupAccounts(f.db, [orgCreditsAccount(orgId)]);
        assert.equal(credits!.credits_posted - credits!.debits_posted, model.posted());
        assert.equal((await creditBalance(f.db, orgId))!.available_minor, model.granted - model.used - model.refunded - model.expiredTotal());
      }
    }),
    { numRuns: 40, endOnFailure: true },
  );
});
