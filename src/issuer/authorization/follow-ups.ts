import type {
  AuthorizationResponse,
  ClearingRequest,
  FollowUpRequest,
  FollowUpResponse,
  IncrementalAuthorizationRequest,
  IsoResponseCode,
  RefundRequest,
  ReversalRequest,
} from '../../network/messages.ts';
import type { BatchContext } from './batch.ts';
import { approvalCodeOf } from './batch.ts';
import { sweepFreeBalance } from '../cards/closed-card-sweep.ts';
import type { CardEntry } from './card-book.ts';
import { decideIncrement } from './decide.ts';
import { expireAuthorization, isPastExpiry } from './expire.ts';
import { bookRefund, changeHold, type HoldChange } from './holds.ts';
import { notifyMovement } from './notify-events.ts';
import { findMessage, insertMessage, type AuthorizationMessage, type MessageType } from './message-records.ts';
import { AUTHORIZATION_REASONS, FOLLOW_UP_REASONS, type FollowUpReason } from './reasons.ts';
import { changeOf, ISSUER_NAME, rowById, rowByRequestId, updateAuthorization, type AuthorizationChange, type AuthorizationRow } from './records.ts';
import { addSpend, spentNow, tracksSpend } from './spend.ts';
import { giveBackSpend } from './spend-release.ts';
import { checkMoney, isMessageId } from './validate.ts';
import { fxRecordOf, saveFxRecord, usdBetween, type FxRecord } from './foreign-exchange.ts';

/**
 * Follow-up messages on an authorization: incremental authorization,
 * reversal, clearing, refund. Each is answered once per message id (a
 * repeat gets the saved answer) and acts on the authorization under the
 * card's lock, in the batch's transaction. Refusals:
 *
 * - unknown original                                  12 original_not_found
 * - original declined / in a state that forbids it    12 authorization_declined | _closed | _reversed | _expired,
 *                                                        not_a_purchase (clearing or increasing a verification),
 *                                                        not_cleared (refund before any clearing)
 * - malformed amount / another currency               13 invalid_amount | currency_mismatch
 * - more than is left                                 13 amount_exceeds_held | amount_exceeds_refundable
 *
 * A reversal with no amount releases everything still held. A reversal of
 * a verification for nothing (which held nothing) is answered 00, 0 moved.
 *
 * A foreign-currency authorization (foreign-exchange.ts) is followed up in
 * its own currency: the bounds are checked on its running totals in that
 * currency, the USD moved is the difference of `billed` at the
 * authorization's rate, and the answer's amount is in the authorization's
 * currency (the USD figure is in the record).
 */

export type FollowUpKind = FollowUpRequest['type'];
type Answer = FollowUpResponse | AuthorizationResponse;

interface Outcome {
  readonly code: IsoResponseCode;
  readonly reason: string;
  readonly movedUsdMinor: number;
  readonly approvalCode?: string | null;
  readonly checks?: Record<string, unknown> | null;
  /** For a foreign authorization: what moved in its own currency (the answer's amount). */
  readonly movedMinor?: number;
}

export async function handleFollowUp(ctx: BatchContext, kind: FollowUpKind, request: FollowUpRequest): Promise<Answer> {
  await ctx.flush();
  if (!isMessageId(request?.id) || request.type !== kind) return unrecorded(kind, request, 'invalid_request');
  const saved = await findMessage(ctx.tx, request.id);
  if (saved) return saved.type === kind ? answerOf(saved) : unrecorded(kind, request, 'message_id_reused');

  const record = (row: AuthorizationRow | undefined, outcome: Outcome) => recordAnswer(ctx, kind, request, row, outcome);
  if (!isMessageId(request.originalId)) return record(undefined, refusal('original_not_found'));
  let row = ctx.knownRow(request.originalId) ?? (await rowByRequestId(ctx.tx, request.originalId));
  if (row === undefined) return record(undefined, refusal('original_not_found'));
  // The card first, then the authorization: the lock order of every card writer.
  const entry = row.card_id === null ? undefined : await ctx.book.byId(row.card_id);
  row = (await rowById(ctx.tx, row.id, { lock: true }))!;
  if (isPastExpiry(row, ctx.nowMs)) await expire(ctx, row, entry, ctx.nowMs);

  const fx = row.currency === 'USD' ? undefined : await fxRecordOf(ctx.tx, row.id);
  const outcome = await act(ctx, kind, row, entry, request, fx);
  // A closed card keeps holds but no free money: what this message released (or an expiry found above) goes to the wallet.
  if (entry !== undefined && entry.card.status === 'closed') {
    await sweepFreeBalance(ctx.tx, ctx.deps.ledger, entry.card, `card:${entry.card.id}:sweep:${ctx.deps.ids.next('swp')}`);
    entry.available = undefined;
  }
  return record(row, outcome);
}

function act(ctx: BatchContext, kind: FollowUpKind, row: AuthorizationRow, entry: CardEntry | undefined, request: FollowUpRequest, fx: FxRecord | undefined): Promise<Outcome> {
  switch (kind) {
    case 'reversal':
      return reverse(ctx, row, entry, request as ReversalRequest, fx);
    case 'clearing':
      return clear(ctx, row, entry, request as ClearingRequest, fx);
    case 'refund':
      return refund(ctx, row, entry, request as RefundRequest, fx);
    case 'incremental_authorization':
      return increment(ctx, row, entry, request as IncrementalAuthorizationRequest, fx);
  }
}

/**
 * The USD that `given` more of a foreign authorization's consumed total
 * (cleared or released) moves: the last unit takes whatever is still held,
 * so a split never leaves or overdraws a cent.
 */
function consumedUsd(fx: FxRecord, given: number, held: number): number {
  if (fx.consumedMinor + given >= fx.approvedMinor) return held;
  return Math.min(held, usdBetween(fx.consumedMinor, fx.consumedMinor + given, fx));
}

function refusal(reason: FollowUpReason): Outcome {
  return { code: FOLLOW_UP_REASONS[reason], reason, movedUsdMinor: 0 };
}

/** The refusal for an authorization that is no longer pending, or null when it is. */
function stateRefusal(row: AuthorizationRow): Outcome | null {
  switch (row.status) {
    case 'pending':
      return null;
    case 'declined':
      return refusal('authorization_declined');
    case 'closed':
      return refusal('authorization_closed');
    case 'reversed':
      return refusal('authorization_reversed');
    case 'expired':
      return refusal('authorization_expired');
  }
}

/** A positive amount in the authorization's currency, or the refusal. */
function amountOf(row: AuthorizationRow, money: unknown): number | Outcome {
  const check = checkMoney(money);
  if (check !== 'ok') return refusal(check === 'invalid_amount' ? 'invalid_amount' : 'invalid_request');
  const { minor, currency } = money as { minor: number; currency: string };
  if (currency !== row.currency) return refusal('currency_mismatch');
  if (minor === 0) return refusal('invalid_amount');
  return minor;
}

async function reverse(ctx: BatchContext, row: AuthorizationRow, entry: CardEntry | undefined, request: ReversalRequest, fx: FxRecord | undefined): Promise<Outcome> {
  if (row.status === 'closed' && row.purpose === 'account_verification' && Number(row.approved_usd_minor) === 0) {
    return { code: '00', reason: 'reversed', movedUsdMinor: 0 };
  }
  const state = stateRefusal(row);
  if (state) return state;
  const held = Number(row.held_usd_minor);
  let amount = held;
  let fxAfter: FxRecord | undefined;
  if (fx !== undefined) {
    const left = fx.approvedMinor - fx.consumedMinor;
    let given = left;
    if (request.amount !== null) {
      const asked = amountOf(row, request.amount);
      if (typeof asked !== 'number') return asked;
      if (asked > left) return refusal('amount_exceeds_held');
      given = asked;
    }
    amount = consumedUsd(fx, given, held);
    fxAfter = { ...fx, consumedMinor: fx.consumedMinor + given };
  } else if (request.amount !== null) {
    const given = amountOf(row, request.amount);
    if (typeof given !== 'number') return given;
    if (given > held) return refusal('amount_exceeds_held');
    amount = given;
  }
  const rest = held - amount;
  // A foreign step too small to move a cent changes the totals, not the hold.
  if (amount > 0) {
    const change = await changeHold(ctx.tx, ctx.deps.ledger, row, { kind: 'void' }, rest, ctx.nowMs);
    if (!change.ok) return expiredMeanwhile(ctx, row, entry, change);
    await save(ctx, row, entry, {
      ...moneyAfter(row, change),
      heldUsdMinor: rest,
      releasedUsdMinor: Number(row.released_usd_minor) + amount,
      ...(rest === 0 ? ended(row, ctx.nowMs, 'reversed') : {}),
    });
    await giveBack(ctx, entry, row, amount);
  }
  if (fxAfter !== undefined) {
    await saveFxRecord(ctx.tx, fxAfter, ctx.nowMs);
    return { code: '00', reason: 'reversed', movedUsdMinor: amount, movedMinor: fxAfter.consumedMinor - fx!.consumedMinor };
  }
  return { code: '00', reason: 'reversed', movedUsdMinor: amount };
}

async function clear(ctx: BatchContext, row: AuthorizationRow, entry: CardEntry | undefined, request: ClearingRequest, fx: FxRecord | undefined): Promise<Outcome> {
  if (row.status !== 'declined' && row.purpose !== 'purchase') return refusal('not_a_purchase');
  const state = stateRefusal(row);
  if (state) return state;
  const held = Number(row.held_usd_minor);
  const given = amountOf(row, request.amount);
  if (typeof given !== 'number') return given;
  const final = request.final === true;
  let amount = given;
  let fxAfter: FxRecord | undefined;
  if (fx !== undefined) {
    if (given > fx.approvedMinor - fx.consumedMinor) return refusal('amount_exceeds_held');
    amount = consumedUsd(fx, given, held);
    fxAfter = { ...fx, consumedMinor: final ? fx.approvedMinor : fx.consumedMinor + given, clearedMinor: fx.clearedMinor + given };
  } else if (amount > held) return refusal('amount_exceeds_held');
  const rest = final ? 0 : held - amount;
  if (fxAfter !== undefined) await saveFxRecord(ctx.tx, fxAfter, ctx.nowMs);
  // A foreign clearing too small to move a cent posts nothing (the ledger takes no empty post): it releases, or leaves the hold.
  if (amount === 0 && rest === held) return { code: '00', reason: 'cleared', movedUsdMinor: 0, movedMinor: given };
  const change = await changeHold(ctx.tx, ctx.deps.ledger, row, amount === 0 ? { kind: 'void' } : { kind: 'post', amountUsdMinor: amount }, rest, ctx.nowMs);
  if (!change.ok) return expiredMeanwhile(ctx, row, entry, change);
  await save(ctx, row, entry, {
    ...moneyAfter(row, change),
    heldUsdMinor: rest,
    clearedUsdMinor: Number(row.cleared_usd_minor) + amount,
    releasedUsdMinor: Number(row.released_usd_minor) + (held - amount - rest),
    ...(rest === 0 ? ended(row, ctx.nowMs, 'closed') : {}),
  });
  // A final clearing for less than was held: the rest was never spent.
  await giveBack(ctx, entry, row, held - amount - rest);
  return { code: '00', reason: 'cleared', movedUsdMinor: amount, ...(fx !== undefined ? { movedMinor: given } : {}) };
}

async function refund(ctx: BatchContext, row: AuthorizationRow, entry: CardEntry | undefined, request: RefundRequest, fx: FxRecord | undefined): Promise<Outcome> {
  if (row.status === 'declined') return refusal('authorization_declined');
  const given = amountOf(row, request.amount);
  if (typeof given !== 'number') return given;
  const cleared = Number(row.cleared_usd_minor);
  const refunded = Number(row.refunded_usd_minor);
  let amount = given;
  if (fx !== undefined) {
    if (fx.clearedMinor === 0) return refusal('not_cleared');
    if (given > fx.clearedMinor - fx.refundedMinor) return refusal('amount_exceeds_refundable');
    // At the authorization's rate; the refund of the last cleared unit returns the last cleared cent.
    const left = cleared - refunded;
    amount = fx.refundedMinor + given === fx.clearedMinor ? left : Math.min(left, usdBetween(fx.refundedMinor, fx.refundedMinor + given, fx));
    await saveFxRecord(ctx.tx, { ...fx, refundedMinor: fx.refundedMinor + given }, ctx.nowMs);
    if (amount === 0) return { code: '00', reason: 'refunded', movedUsdMinor: 0, movedMinor: given };
  } else {
    if (cleared === 0) return refusal('not_cleared');
    if (amount > cleared - refunded) return refusal('amount_exceeds_refundable');
  }
  // A closed card's money went back to the wallet; so does a refund that comes after.
  const toWallet = entry === undefined || entry.card.status === 'closed';
  const { ledgerSeq } = await bookRefund(ctx.tx, ctx.deps.ledger, row, amount, toWallet);
  await save(ctx, row, entry, { ...changeOf(row), ledgerSeq, refundedUsdMinor: refunded + amount });
  return { code: '00', reason: 'refunded', movedUsdMinor: amount, checks: { credited: toWallet ? 'wallet' : 'card' }, ...(fx !== undefined ? { movedMinor: given } : {}) };
}

async function increment(ctx: BatchContext, row: AuthorizationRow, entry: CardEntry | undefined, request: IncrementalAuthorizationRequest, fx: FxRecord | undefined): Promise<Outcome> {
  if (row.status !== 'declined' && row.purpose !== 'purchase') return refusal('not_a_purchase');
  const state = stateRefusal(row);
  if (state) return state;
  const given = amountOf(row, request.amount);
  if (typeof given !== 'number') return given;
  // A foreign increase is billed at the authorization's rate, as the difference over the approved total.
  const amount = fx === undefined ? given : usdBetween(fx.approvedMinor, fx.approvedMinor + given, fx);
  if (entry === undefined) throw new Error(`authorization ${row.id} is pending without a card`);
  const spent = spentNow(entry.spend, ctx.nowMs);
  const decision = decideIncrement(
    amount,
    {
      card: entry.card,
      kycStatus: entry.kycStatus,
      availableUsdMinor: await ctx.book.available(entry),
      spentTodayUsdMinor: spent.day,
      spentThisMonthUsdMinor: spent.month,
      approvedUsdMinor: Number(row.approved_usd_minor),
      merchant: { mcc: row.mcc, country: row.merchant_country },
    },
    ctx.nowMs,
  );
  if (decision.reason !== 'approved') {
    return { code: AUTHORIZATION_REASONS[decision.reason], reason: decision.reason, movedUsdMinor: 0, checks: decision.checks };
  }
  const held = Number(row.held_usd_minor);
  const change = await changeHold(ctx.tx, ctx.deps.ledger, row, { kind: 'void' }, held + amount, ctx.nowMs);
  if (!change.ok) {
    if (change.result === 'insufficient_funds') {
      entry.available = undefined;
      return { code: AUTHORIZATION_REASONS.insufficient_funds, reason: 'insufficient_funds', movedUsdMinor: 0, checks: { ...decision.checks, balance: 'fail', ledger: 'exceeds_credits' } };
    }
    return expiredMeanwhile(ctx, row, entry, change);
  }
  if (tracksSpend(entry.card.controls.limits)) {
    entry.spend = addSpend(entry.spend, amount, ctx.nowMs);
    entry.spendDirty = true;
    await ctx.saveSpend();
  }
  await save(ctx, row, entry, {
    ...moneyAfter(row, change),
    approvedUsdMinor: Number(row.approved_usd_minor) + amount,
    heldUsdMinor: held + amount,
  });
  if (fx !== undefined) await saveFxRecord(ctx.tx, { ...fx, approvedMinor: fx.approvedMinor + given }, ctx.nowMs);
  return {
    code: '00',
    reason: 'approved',
    movedUsdMinor: amount,
    approvalCode: approvalCodeOf(ctx.deps.ids.next('iinc')),
    checks: decision.checks,
    ...(fx !== undefined ? { movedMinor: given } : {}),
  };
}

/** The ledger found the hold expired a moment after the batch's clock reading: the authorization expires now. */
async function expiredMeanwhile(ctx: BatchContext, row: AuthorizationRow, entry: CardEntry | undefined, change: Extract<HoldChange, { ok: false }>): Promise<Outcome> {
  if (change.result !== 'expired') throw new Error(`authorization ${row.id}: unexpected hold refusal ${change.result}`);
  await expire(ctx, row, entry, Math.max(ctx.nowMs, Number(row.expires_at_ms)));
  return refusal('authorization_expired');
}

/** Expires the (locked) row, and gives the day and month back what its hold still held. */
async function expire(ctx: BatchContext, row: AuthorizationRow, entry: CardEntry | undefined, atMs: number): Promise<void> {
  const releasedBefore = Number(row.released_usd_minor);
  await expireAuthorization(ctx.tx, row, atMs, ctx.deps.notifier);
  // expireAuthorization brought the row up to date: its released total now includes the expired hold.
  if (await giveBackSpend(ctx.tx, entry, row, releasedBefore, Number(row.released_usd_minor) - releasedBefore, ctx.nowMs)) await ctx.saveSpend();
}

/**
 * Gives the card's day and month limits back what a release freed (spend-
 * release.ts). `row` is as read before the release was saved: its released
 * total is where this release starts.
 */
async function giveBack(ctx: BatchContext, entry: CardEntry | undefined, row: AuthorizationRow, releasedUsdMinor: number): Promise<void> {
  if (await giveBackSpend(ctx.tx, entry, row, Number(row.released_usd_minor), releasedUsdMinor, ctx.nowMs)) await ctx.saveSpend();
}

function moneyAfter(row: AuthorizationRow, change: Extract<HoldChange, { ok: true }>): AuthorizationChange {
  return { ...changeOf(row), holdTransferId: change.holdTransferId, expiresAtMs: change.expiresAtMs, ledgerSeq: change.ledgerSeq };
}

/** Nothing is held any more: closed when something was cleared, else how it ended. */
function ended(row: AuthorizationRow, nowMs: number, how: 'reversed' | 'closed'): Partial<AuthorizationChange> {
  const cleared = Number(row.cleared_usd_minor);
  return { status: how === 'closed' || cleared > 0 ? 'closed' : 'reversed', closedAtMs: nowMs };
}

async function save(ctx: BatchContext, row: AuthorizationRow, entry: CardEntry | undefined, change: AuthorizationChange): Promise<void> {
  await updateAuthorization(ctx.tx, row.id, change, ctx.nowMs);
  // The card's available balance moved in the ledger; read it again when next needed.
  if (entry) entry.available = undefined;
}

async function recordAnswer(ctx: BatchContext, kind: FollowUpKind, request: FollowUpRequest, row: AuthorizationRow | undefined, outcome: Outcome): Promise<Answer> {
  const money = 'amount' in request && request.amount !== null && typeof request.amount === 'object' ? (request.amount as unknown as Record<string, unknown>) : null;
  const message: AuthorizationMessage = {
    id: request.id,
    type: kind as MessageType,
    originalId: typeof request.originalId === 'string' ? request.originalId.slice(0, 128) : '',
    authorizationId: row?.id ?? null,
    cardId: row?.card_id ?? null,
    amountMinor: money !== null && Number.isSafeInteger(money.minor) ? (money.minor as number) : null,
    currency: money !== null && typeof money.currency === 'string' ? money.currency.slice(0, 3) : (row?.currency ?? null),
    final: kind === 'clearing' ? (request as ClearingRequest).final === true : null,
    responseCode: outcome.code,
    reason: outcome.reason,
    approvalCode: outcome.approvalCode ?? null,
    movedUsdMinor: outcome.movedUsdMinor,
    // A foreign authorization's answer is in its own currency; the figure is kept with the checks (`moved_minor`).
    checks: outcome.movedMinor !== undefined ? { ...(outcome.checks ?? {}), moved_minor: outcome.movedMinor } : (outcome.checks ?? null),
    createdAtMs: ctx.nowMs,
  };
  await insertMessage(ctx.tx, message);
  if (row !== undefined && outcome.code === '00' && (kind === 'reversal' || kind === 'refund')) {
    await notifyMovement(ctx.tx, ctx.deps.notifier, kind === 'refund' ? 'refund' : 'hold_release', row, message.id, outcome.movedUsdMinor, ctx.nowMs);
  }
  return answerOf(message);
}

/** The answer a message got, rebuilt from its record (a repeat gets exactly this). */
export function answerOf(message: AuthorizationMessage): Answer {
  const currency = message.currency ?? 'USD';
  const foreignMoved = message.checks?.moved_minor;
  const moved = currency !== 'USD' && typeof foreignMoved === 'number' ? foreignMoved : message.movedUsdMinor;
  if (message.type === 'incremental_authorization') {
    const approved = message.responseCode === '00';
    return {
      type: 'authorization_response',
      id: message.id,
      responseCode: message.responseCode,
      approved,
      approvalCode: message.approvalCode,
      approvedAmount: { minor: approved ? moved : 0, currency },
      avs: { line1: 'unchecked', postalCode: 'unchecked' },
      cvv2: 'unchecked',
      reason: message.reason,
      issuerAuthorizationId: message.authorizationId,
      decidedBy: 'issuer',
      issuer: ISSUER_NAME,
    };
  }
  return {
    type: 'follow_up_response',
    id: message.id,
    originalId: message.originalId,
    responseCode: message.responseCode,
    reason: message.reason,
    amount: { minor: message.responseCode === '00' ? moved : 0, currency },
    decidedBy: 'issuer',
  };
}

function unrecorded(kind: FollowUpKind, request: FollowUpRequest, reason: FollowUpReason): Answer {
  const id = typeof request?.id === 'string' ? request.id : '';
  const originalId = typeof request?.originalId === 'string' ? request.originalId : '';
  const message: AuthorizationMessage = {
    id,
    type: kind as MessageType,
    originalId,
    authorizationId: null,
    cardId: null,
    amountMinor: null,
    currency: 'USD',
    final: null,
    responseCode: FOLLOW_UP_REASONS[reason],
    reason,
    approvalCode: null,
    movedUsdMinor: 0,
    checks: null,
    createdAtMs: 0,
  };
  return answerOf(message);
}
