import type { Ledger } from '../../ledger/index.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { expireLot } from '../billing-ledger.ts';
import { dueLots } from './credit-lots.ts';

// A run is bounded; the next run goes on with the rest.
const BATCH = 200;
/** Lots past their expiry are expired within this (usage also expires an organization's own due lots before spending). */
export const CREDIT_EXPIRY_INTERVAL_MS = 60 * 1000;

/**
 * The expiry task: every lot past its expiry with credits left, each in a
 * transaction of its own under its organization's lots' lock — a crash rolls
 * back one lot at most, a second process finds it already expired, and an
 * error in one organization does not stop the others (rethrown at the end).
 */
export async function expireDueCredits(deps: { db: Database; ledger: Ledger; clock: Clock }): Promise<{ lots: number; expiredMinor: number }> {
  const errors: unknown[] = [];
  let lots = 0;
  let expiredMinor = 0;
  for (const lot of await dueLots(deps.db, deps.clock.nowMs(), BATCH)) {
    try {
      const taken = await deps.db.transaction((tx) => expireLot(tx, deps, lot.orgId, lot.id));
      lots += 1;
      expiredMinor += taken;
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, `${errors.length} credit expiries failed`);
  return { lots, expiredMinor };
}
