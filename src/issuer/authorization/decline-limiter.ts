import type { Database, Sql } from '../../platform/db/database.ts';
import { placeholders } from '../../platform/db/database.ts';
import { padded } from './records.ts';
import type { AuthorizationReason } from './reasons.ts';

/**
 * Card testing defence. A merchant that walks a BIN, or guesses a card's
 * expiry or CVV2, learns from the decline codes (14 no such card, 54 wrong
 * expiry, N7 wrong CVV2) which guesses were right. So the issuer counts
 * those declines, in the database (every process on PostgreSQL sees the
 * same counts), in a fixed window per subject:
 *
 * - per merchant (acquirer + merchant id): wrong numbers, expiries, CVV2s
 *   and CVV2-less attempts without a stored credential. Past the limit the
 *   merchant is blocked for a cool-down.
 * - per card (its PAN fingerprint): wrong expiries and CVV2s, from any
 *   merchant. Past the limit the card is protected for a cool-down.
 *
 * While blocked or protected, every attempt that does not carry a valid
 * stored credential gets one generic answer (`declines_limited`, 05) —
 * right number or wrong, right expiry or wrong — with no AVS/CVV2 result,
 * so it reveals nothing. Those answers are not counted: the block lasts its
 * cool-down and does not grow with the traffic a merchant under attack
 * cannot stop. A payment on a valid stored credential (decide.ts) proves an
 * earlier CVV2-checked approval at that merchant and reveals nothing new,
 * so it is still decided: auto-recharges keep working.
 *
 * Counts are written after the decision's commit, each subject in its own
 * atomic upsert, never inside the batch: counter rows locked at the end of
 * one batch and cards locked at the start of another would deadlock.
 */

export interface LimitRule {
  /** Declines in one window that trip the block. */
  readonly maxDeclines: number;
  readonly windowMs: number;
  /** How long a tripped subject stays blocked. */
  readonly blockMs: number;
}

export interface DeclineLimits {
  readonly merchant: LimitRule;
  readonly card: LimitRule;
}

const HOUR_MS = 3_600_000;

/** A legitimate checkout sees the odd typo; twenty wrong card details an hour from one merchant is a script. */
export const DEFAULT_DECLINE_LIMITS: DeclineLimits = {
  merchant: { maxDeclines: 20, windowMs: HOUR_MS, blockMs: HOUR_MS },
  card: { maxDeclines: 5, windowMs: 24 * HOUR_MS, blockMs: 24 * HOUR_MS },
};

/** Declines that answer a guess about card data, counted against the merchant that made it. */
const MERCHANT_PROBES: ReadonlySet<AuthorizationReason> = new Set<AuthorizationReason>([
  'card_not_found',
  'card_closed',
  'expiry_mismatch',
  'cvv2_mismatch',
  'cvv2_required',
  'stored_credential_invalid',
]);
/** Declines that answer a guess about one card's secrets, counted against the card. */
const CARD_PROBES: ReadonlySet<AuthorizationReason> = new Set<AuthorizationReason>(['expiry_mismatch', 'cvv2_mismatch']);

export interface LimitState {
  readonly windowStartedAtMs: number;
  readonly declines: number;
  readonly blockedUntilMs: number;
}

/** A decline to count once its decision is committed. */
export interface ProbeCount {
  readonly subject: string;
  readonly rule: LimitRule;
}

/** JSON keeps the pair unambiguous whatever the ids hold (and PostgreSQL text cannot hold NUL). */
export function merchantSubject(acquirerId: string, merchantId: string): string {
  return `merchant:${JSON.stringify([acquirerId, merchantId])}`;
}

export function cardSubject(panFingerprint: string): string {
  return `card:${panFingerprint}`;
}

export function isBlocked(state: LimitState | undefined, nowMs: number): boolean {
  return state !== undefined && state.blockedUntilMs > nowMs;
}

/** Which subjects a decline counts against. */
export function probesOf(reason: AuthorizationReason, subjects: { merchant: string; card: string | null }, limits: DeclineLimits): ProbeCount[] {
  const counts: ProbeCount[] = [];
  if (MERCHANT_PROBES.has(reason)) counts.push({ subject: subjects.merchant, rule: limits.merchant });
  if (CARD_PROBES.has(reason) && subjects.card !== null) counts.push({ subject: subjects.card, rule: limits.card });
  return counts;
}

/** The state after one more decline: the same arithmetic as the upsert below, for the rest of a batch. */
export function afterDecline(state: LimitState | undefined, rule: LimitRule, nowMs: number): LimitState {
  const fresh = state === undefined || state.windowStartedAtMs <= nowMs - rule.windowMs;
  const declines = fresh ? 1 : state.declines + 1;
  const blockedUntilMs = state?.blockedUntilMs ?? 0;
  return {
    windowStartedAtMs: fresh ? nowMs : state.windowStartedAtMs,
    declines,
    blockedUntilMs: declines >= rule.maxDeclines && blockedUntilMs < nowMs + rule.blockMs ? nowMs + rule.blockMs : blockedUntilMs,
  };
}

export async function loadLimitStates(sql: Sql, subjects: readonly string[]): Promise<Map<string, LimitState>> {
  const found = new Map<string, LimitState>();
  const unique = [...new Set(subjects)];
  for (let i = 0; i < unique.length; i += 256) {
    // Padded to a power of two: a handful of prepared statements serve every batch size (this is read once a batch).
    const chunk = padded(unique.slice(i, i + 256));
    const rows = await sql.all<{ subject: string; window_started_at_ms: number | string; declines: number | string; blocked_until_ms: number | string }>(
      `SELECT subject, window_started_at_ms, declines, blocked_until_ms FROM issuer_decline_limits WHERE subject IN ${placeholders(chunk.length)}`,
      chunk,
    );
    for (const row of rows) {
      found.set(row.subject, { windowStartedAtMs: Number(row.window_started_at_ms), declines: Number(row.declines), blockedUntilMs: Number(row.blocked_until_ms) });
    }
  }
  return found;
}

/** Counts committed declines: one atomic upsert a subject, in subject order. */
export async function countDeclines(db: Database, counts: readonly ProbeCount[], nowMs: number): Promise<void> {
  const sorted = [...counts].sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
  for (const { subject, rule } of sorted) {
    const windowEdge = nowMs - rule.windowMs;
    const blockUntil = nowMs + rule.blockMs;
    const declines = 'CASE WHEN issuer_decline_limits.window_started_at_ms <= ? THEN 1 ELSE issuer_decline_limits.declines + 1 END';
    await db.run(
      `INSERT INTO issuer_decline_limits (subject, window_started_at_ms, declines, blocked_until_ms, updated_at_ms) VALUES (?, ?, 1, ?, ?)
       ON CONFLICT (subject) DO UPDATE SET
         blocked_until_ms = CASE WHEN ${declines} >= ? AND issuer_decline_limits.blocked_until_ms < ? THEN ? ELSE issuer_decline_limits.blocked_until_ms END,
         declines = ${declines},
         window_started_at_ms = CASE WHEN issuer_decline_limits.window_started_at_ms <= ? THEN ? ELSE issuer_decline_limits.window_started_at_ms END,
         updated_at_ms = ?`,
      [subject, nowMs, rule.maxDeclines <= 1 ? blockUntil : 0, nowMs, windowEdge, rule.maxDeclines, blockUntil, blockUntil, windowEdge, windowEdge, nowMs, nowMs],
    );
  }
}
