import { placeholders, type Sql, type Tx } from '../../platform/db/database.ts';
import type { CardEntry } from './card-book.ts';
import { padded, type AuthorizationRow } from './records.ts';
import { loadSpend, NO_SPEND, periodsOf, saveSpend, spentNow, tracksSpend, type SpendCounters } from './spend.ts';

/**
 * Giving a card's day and month spend back when money it counted is
 * released (spend.ts says what counts and why refunds do not).
 *
 * An authorization is counted in pieces: its first approval, then each
 * approved increase, each in the UTC day and month it was approved in. What
 * is released — a reversal, a stand-in advice, an expiry, the rest a final
 * clearing did not take — comes off the oldest pieces first. Oldest first
 * because a release can only free what was approved before it: an increase
 * approved after a partial reversal is new money held, and counting
 * releases from the oldest piece keeps every earlier release where it fell
 * whatever is added later. (Newest first would move an earlier release onto
 * a later increase, and the counters could no longer be recomputed from an
 * authorization's released total.) So after any sequence of messages a
 * period's counter is exactly
 *
 *   Σ over pieces approved in the period of (piece − the part of it released)
 *
 * which `rebuildSpend` recomputes from the records with the same rule. A
 * release's position is the authorization's released total before it: the
 * pieces' share of [releasedBefore, releasedBefore + released), counted
 * from the oldest piece up.
 *
 * Every caller holds the card's row lock (the lock every authorization of
 * the card takes before it reads the counters), so a release and a
 * concurrent authorization are ordered, and two authorizations never both
 * see room that only one of them can have.
 */

export interface ApprovedPiece {
  readonly atMs: number;
  readonly usdMinor: number;
}

export interface PeriodAmounts {
  readonly day: number;
  readonly month: number;
}

/** The part of a release that falls on pieces approved in `nowMs`'s UTC day and month. Pieces oldest first. */
export function releaseInPeriods(pieces: readonly ApprovedPiece[], releasedBeforeUsdMinor: number, releasedUsdMinor: number, nowMs: number): PeriodAmounts {
  const now = periodsOf(nowMs);
  const from = releasedBeforeUsdMinor;
  const to = releasedBeforeUsdMinor + releasedUsdMinor;
  let day = 0;
  let month = 0;
  let older = 0;
  for (let i = 0; i < pieces.length && older < to; i++) {
    const piece = pieces[i]!;
    const overlap = Math.max(0, Math.min(older + piece.usdMinor, to) - Math.max(older, from));
    older += piece.usdMinor;
    if (overlap === 0) continue;
    const at = periodsOf(piece.atMs);
    if (at.monthIndex !== now.monthIndex) continue;
    month += overlap;
    if (at.dayIndex === now.dayIndex) day += overlap;
  }
  return { day, month };
}

/** What an authorization still counts in `nowMs`'s day and month after `releasedUsdMinor` in all was released. */
export function countedInPeriods(pieces: readonly ApprovedPiece[], releasedUsdMinor: number, nowMs: number): PeriodAmounts {
  const now = periodsOf(nowMs);
  let day = 0;
  let month = 0;
  for (const piece of pieces) {
    const at = periodsOf(piece.atMs);
    if (at.monthIndex !== now.monthIndex) continue;
    month += piece.usdMinor;
    if (at.dayIndex === now.dayIndex) day += piece.usdMinor;
  }
  const released = releaseInPeriods(pieces, 0, releasedUsdMinor, nowMs);
  return { day: day - released.day, month: month - released.month };
}

/** The counters less a release's share, in the current periods. Never below 0 (counters kept before this rule could count less; the CHECK forbids negatives). */
export function withoutRelease(counters: SpendCounters, share: PeriodAmounts, nowMs: number): SpendCounters {
  const spent = spentNow(counters, nowMs);
  const { dayIndex, monthIndex } = periodsOf(nowMs);
  return { dayIndex, dayUsdMinor: Math.max(0, spent.day - share.day), monthIndex, monthUsdMinor: Math.max(0, spent.month - share.month) };
}

/** Only the issuer's approved purchases are counted (verifications hold but do not spend; a network stand-in holds nothing). */
function isCounted(row: Pick<AuthorizationRow, 'purpose' | 'decided_by' | 'approved'>): boolean {
  return row.purpose === 'purchase' && row.decided_by === 'issuer' && Number(row.approved) === 1;
}

type PieceSource = Pick<AuthorizationRow, 'id' | 'created_at_ms' | 'amount_minor' | 'currency' | 'approved_usd_minor'>;

/** One authorization's pieces, oldest first: its approval, then its approved increases (read by the authorization's index). */
async function piecesOf(sql: Sql, row: PieceSource): Promise<ApprovedPiece[]> {
  const approved = Number(row.approved_usd_minor);
  // A USD purchase approved for what was asked has never been increased: no need to look.
  if (row.currency === 'USD' && approved === Number(row.amount_minor)) return [{ atMs: Number(row.created_at_ms), usdMinor: approved }];
  const increases = await sql.all<{ created_at_ms: number; moved_usd_minor: number }>(
    `SELECT created_at_ms, moved_usd_minor FROM issuer_authorization_messages
      WHERE authorization_id = ? AND type = 'incremental_authorization' AND response_code = '00' ORDER BY created_at_ms`,
    [row.id],
  );
  return assemble(row, increases);
}

function assemble(row: PieceSource, increases: ReadonlyArray<{ created_at_ms: number; moved_usd_minor: number }>): ApprovedPiece[] {
  const later = increases.map((i) => ({ atMs: Number(i.created_at_ms), usdMinor: Number(i.moved_usd_minor) }));
  const first = Number(row.approved_usd_minor) - later.reduce((sum, piece) => sum + piece.usdMinor, 0);
  return [{ atMs: Number(row.created_at_ms), usdMinor: first }, ...later];
}

type ReleasedRow = PieceSource & Pick<AuthorizationRow, 'purpose' | 'decided_by' | 'approved'>;

/** The counters after `row` released `releasedUsdMinor` (its released total was `releasedBeforeUsdMinor`). Under the card's lock. */
export async function spendAfterRelease(sql: Sql, row: ReleasedRow, counters: SpendCounters, releasedBeforeUsdMinor: number, releasedUsdMinor: number, nowMs: number): Promise<SpendCounters> {
  if (releasedUsdMinor <= 0 || !isCounted(row)) return counters;
  const spent = spentNow(counters, nowMs);
  // Nothing counted this month: nothing to give back, and no reason to read the pieces.
  if (spent.month === 0) return counters;
  const share = releaseInPeriods(await piecesOf(sql, row), releasedBeforeUsdMinor, releasedUsdMinor, nowMs);
  return share.month === 0 ? counters : withoutRelease(counters, share, nowMs);
}

/**
 * For a batch's card (locked by the card book): gives back what a release
 * freed. True when the counters changed, so the caller saves them.
 */
export async function giveBackSpend(sql: Sql, entry: CardEntry | undefined, row: ReleasedRow, releasedBeforeUsdMinor: number, releasedUsdMinor: number, nowMs: number): Promise<boolean> {
  if (entry === undefined || !tracksSpend(entry.card.controls.limits)) return false;
  const after = await spendAfterRelease(sql, row, entry.spend, releasedBeforeUsdMinor, releasedUsdMinor, nowMs);
  if (after === entry.spend) return false;
  entry.spend = after;
  entry.spendDirty = true;
  return true;
}

export interface ExpiredRelease {
  readonly row: ReleasedRow & Pick<AuthorizationRow, 'card_id'>;
  readonly releasedBeforeUsdMinor: number;
  readonly releasedUsdMinor: number;
}

/** For the expiry sweep, whose cards are locked but not in a card book: gives back, per card that counts spend, what its expiries released. */
export async function giveBackExpiredSpend(
  tx: Tx,
  cards: ReadonlyArray<{ readonly id: string; readonly limit_per_day_usd_minor: number | null; readonly limit_per_month_usd_minor: number | null }>,
  releases: readonly ExpiredRelease[],
  nowMs: number,
): Promise<void> {
  const tracked = cards
    .filter((c) => tracksSpend({ perDayUsdMinor: c.limit_per_day_usd_minor, perMonthUsdMinor: c.limit_per_month_usd_minor }))
    .map((c) => c.id)
    .filter((id) => releases.some((r) => r.row.card_id === id && r.releasedUsdMinor > 0 && isCounted(r.row)));
  if (tracked.length === 0) return;
  const counters = await loadSpend(tx, padded(tracked));
  for (const cardId of tracked) {
    const before = counters.get(cardId) ?? NO_SPEND;
    let after = before;
    for (const release of releases) {
      if (release.row.card_id !== cardId) continue;
      after = await spendAfterRelease(tx, release.row, after, release.releasedBeforeUsdMinor, release.releasedUsdMinor, nowMs);
    }
    if (after !== before) await saveSpend(tx, cardId, after, nowMs);
  }
}

/**
 * A card's counters recomputed from its records with the same rule: its
 * issuer-approved purchases created this UTC month, and older ones that an
 * increase approved this month made count here, each less what it released.
 * Reads this month's records of the one card (by its indexes); runs when a
 * limit is set, not when a payment is decided.
 */
export async function countSpendFromRecords(sql: Sql, cardId: string, nowMs: number): Promise<PeriodAmounts> {
  const { monthIndex } = periodsOf(nowMs);
  // Calendar arithmetic on the given time, not a clock reading.
  const monthStartMs = Date.UTC(Math.floor(monthIndex / 12), monthIndex % 12, 1);
  type Row = ReleasedRow & Pick<AuthorizationRow, 'released_usd_minor'>;
  const columns = 'id, created_at_ms, amount_minor, currency, approved_usd_minor, released_usd_minor, purpose, decided_by, approved';
  const rows = await sql.all<Row>(
    `SELECT ${columns} FROM issuer_authorizations
      WHERE card_id = ? AND created_at_ms >= ? AND approved = 1 AND purpose = 'purchase' AND decided_by = 'issuer'`,
    [cardId, monthStartMs],
  );
  const increasedThisMonth = await sql.all<{ authorization_id: string }>(
    `SELECT authorization_id FROM issuer_authorization_messages
      WHERE card_id = ? AND created_at_ms >= ? AND type = 'incremental_authorization' AND response_code = '00'`,
    [cardId, monthStartMs],
  );
  const known = new Set(rows.map((r) => r.id));
  const older = [...new Set(increasedThisMonth.map((i) => i.authorization_id))].filter((id) => !known.has(id));
  for (let i = 0; i < older.length; i += 256) {
    const ids = padded(older.slice(i, i + 256));
    rows.push(...(await sql.all<Row>(`SELECT ${columns} FROM issuer_authorizations WHERE id IN ${placeholders(ids.length)}`, ids)).filter(isCounted));
  }
  if (rows.length === 0) return { day: 0, month: 0 };
  // Every increase of these comes after its authorization: one read of the card's increases since the oldest.
  const since = rows.reduce((oldest, r) => Math.min(oldest, Number(r.created_at_ms)), Number.MAX_SAFE_INTEGER);
  const increases = await sql.all<{ authorization_id: string; created_at_ms: number; moved_usd_minor: number }>(
    `SELECT authorization_id, created_at_ms, moved_usd_minor FROM issuer_authorization_messages
      WHERE card_id = ? AND created_at_ms >= ? AND type = 'incremental_authorization' AND response_code = '00' ORDER BY created_at_ms`,
    [cardId, since],
  );
  const byAuthorization = new Map<string, Array<{ created_at_ms: number; moved_usd_minor: number }>>();
  for (const increase of increases) {
    let list = byAuthorization.get(increase.authorization_id);
    if (list === undefined) byAuthorization.set(increase.authorization_id, (list = []));
    list.push(increase);
  }
  let day = 0;
  let month = 0;
  for (const row of rows) {
    const counted = countedInPeriods(assemble(row, byAuthorization.get(row.id) ?? []), Number(row.released_usd_minor), nowMs);
    day += counted.day;
    month += counted.month;
  }
  return { day, month };
}

/**
 * Recomputes the card's counters from its records and saves them. Call it
 * under the card's lock when a day or month limit is set: counting is off
 * while a card has none, so a new limit starts from what the records say.
 */
export async function rebuildSpend(tx: Tx, cardId: string, nowMs: number): Promise<SpendCounters> {
  const counted = await countSpendFromRecords(tx, cardId, nowMs);
  const { dayIndex, monthIndex } = periodsOf(nowMs);
  const counters: SpendCounters = { dayIndex, dayUsdMinor: counted.day, monthIndex, monthUsdMinor: counted.month };
  await saveSpend(tx, cardId, counters, nowMs);
  return counters;
}
