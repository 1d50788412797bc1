import type { Clock } from '../../platform/clock.ts';
import { placeholders, type Database, type Tx } from '../../platform/db/database.ts';
import type { Ledger } from '../../ledger/index.ts';
import { sweepFreeBalance } from '../cards/closed-card-sweep.ts';
import { insertMessage } from './message-records.ts';
import { notifyRelease } from './notify-events.ts';
import type { Notifier } from '../notifications/notifier.ts';
import { AUTHORIZATION_COLUMNS, changeOf, padded, updateAuthorization, type AuthorizationRow } from './records.ts';
import { giveBackExpiredSpend, type ExpiredRelease } from './spend-release.ts';

/**
 * Authorizations whose hold passed its expiry. The ledger stops counting an
 * expired hold at once (and its own sweeper finalizes it); this brings the
 * records along: the status becomes `expired` (or `closed` when part was
 * cleared before), what was held counts as released, and an `expiry` event
 * is written for the card statement. It happens lazily when a follow-up
 * names such an authorization, and in the background for the rest.
 */

/** Marks one (locked) pending authorization as expired; mutates and returns the row. */
export async function expireAuthorization(tx: Tx, row: AuthorizationRow, nowMs: number, notifier?: Notifier): Promise<AuthorizationRow> {
  if (row.status !== 'pending' || row.expires_at_ms === null || Number(row.expires_at_ms) > nowMs) {
    throw new Error(`authorization ${row.id} is not a pending authorization past its expiry`);
  }
  const held = Number(row.held_usd_minor);
  const cleared = Number(row.cleared_usd_minor);
  const expiresAtMs = Number(row.expires_at_ms);
  const change = {
    ...changeOf(row),
    status: cleared > 0 ? ('closed' as const) : ('expired' as const),
    heldUsdMinor: 0,
    releasedUsdMinor: Number(row.released_usd_minor) + held,
    // It expired when its hold did, not when someone noticed.
    closedAtMs: expiresAtMs,
  };
  await updateAuthorization(tx, row.id, change, nowMs);
  await insertMessage(tx, {
    id: `${row.id}:expiry`,
    type: 'expiry',
    originalId: row.request_id,
    authorizationId: row.id,
    cardId: row.card_id,
    amountMinor: held,
    currency: row.currency,
    final: null,
    responseCode: '00',
    reason: 'authorization_expired',
    approvalCode: null,
    movedUsdMinor: held,
    checks: null,
    createdAtMs: expiresAtMs,
  });
  await notifyRelease(tx, notifier, row, `${row.id}:expiry`, held, expiresAtMs);
  Object.assign(row, { status: change.status, held_usd_minor: 0, released_usd_minor: change.releasedUsdMinor, closed_at_ms: expiresAtMs, updated_at_ms: nowMs });
  return row;
}

export function isPastExpiry(row: AuthorizationRow, nowMs: number): boolean {
  return row.status === 'pending' && row.expires_at_ms !== null && Number(row.expires_at_ms) <= nowMs;
}

const SWEEP_BATCH = 200;
/** A bound on one run; the next run takes the rest. */
const SWEEP_MAX_BATCHES = 50;

/**
 * The background sweep: expires due authorizations in batches, each in its
 * own transaction. It takes the locks in the order of every card writer —
 * the card rows, then their authorizations, then ledger accounts — because
 * an expiry on a closed card moves the money it frees to the wallet (see
 * cards/closed-card-sweep.ts). Cards are claimed with SKIP LOCKED
 * (PostgreSQL), so several processes can sweep at once and a card that a
 * batch or a follow-up holds is simply skipped this run (a follow-up
 * expires its own row itself).
 */
export async function expireDueAuthorizations(db: Database, clock: Clock, ledger: Ledger, notifier?: Notifier): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < SWEEP_MAX_BATCHES; batch++) {
    const nowMs = clock.nowMs();
    const { due, expired } = await db.transaction(async (tx) => {
      const dueRows = await tx.all<{ card_id: string | null }>(
        `SELECT card_id FROM issuer_authorizations WHERE status = 'pending' AND expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ${SWEEP_BATCH}`,
        [nowMs],
      );
      const cardIds = padded([...new Set(dueRows.map((r) => r.card_id).filter((id) => id !== null))].sort());
      if (cardIds.length === 0) return { due: 0, expired: 0 };
      const cards = await tx.all<{ id: string; cardholder_id: string; status: string; limit_per_day_usd_minor: number | null; limit_per_month_usd_minor: number | null }>(
        `SELECT id, cardholder_id, status, limit_per_day_usd_minor, limit_per_month_usd_minor FROM issuer_cards WHERE id IN ${placeholders(cardIds.length)} ORDER BY id ${tx.forUpdateSkipLocked}`,
        cardIds,
      );
      if (cards.length === 0) return { due: dueRows.length, expired: 0 };
      const locked = padded(cards.map((c) => c.id));
      const rows = await tx.all<AuthorizationRow>(
        `SELECT ${AUTHORIZATION_COLUMNS} FROM issuer_authorizations
          WHERE card_id IN ${placeholders(locked.length)} AND status = 'pending' AND expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ${SWEEP_BATCH} ${tx.forUpdateSkipLocked}`,
        [...locked, nowMs],
      );
      const lastExpired = new Map<string, string>();
      const releases: ExpiredRelease[] = [];
      for (const row of rows) {
        const releasedBeforeUsdMinor = Number(row.released_usd_minor);
        await expireAuthorization(tx, row, nowMs, notifier);
        releases.push({ row, releasedBeforeUsdMinor, releasedUsdMinor: Number(row.released_usd_minor) - releasedBeforeUsdMinor });
        lastExpired.set(row.card_id!, row.id);
      }
      // An expired hold was never spent: the card's day and month limits get it back (spend-release.ts).
      await giveBackExpiredSpend(tx, cards, releases, nowMs);
      for (const card of cards) {
        const rowId = lastExpired.get(card.id);
        // Each authorization expires once, so its id names this sweep uniquely.
        if (card.status === 'closed' && rowId !== undefined) {
          await sweepFreeBalance(tx, ledger, { id: card.id, cardholderId: card.cardholder_id }, `card:${card.id}:sweep:${rowId}:expiry`);
        }
      }
      return { due: dueRows.length, expired: rows.length };
    });
    total += expired;
    if (due < SWEEP_BATCH || expired === 0) break;
  }
  return total;
}
