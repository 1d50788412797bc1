import type { AuthorizationAdvice, AuthorizationResponse } from '../../network/messages.ts';
import { panFingerprint } from '../card-secrets.ts';
import { notifyDecisions, NOTHING_HELD, requestColumns, type BatchContext } from './batch.ts';
import { changeHold } from './holds.ts';
import { giveBackSpend } from './spend-release.ts';
import { notifyRelease } from './notify-events.ts';
import { findMessage, insertMessage } from './message-records.ts';
import { changeOf, insertAuthorizations, rowById, rowByRequestId, updateAuthorization, type AuthorizationRow } from './records.ts';
import { clip, FIELD_BOUNDS, isMessageId } from './validate.ts';

/**
 * 0120 advice: the network answered the acquirer in Cardlane's stead (a
 * stand-in decline after a time-out). Two cases:
 *
 * - the engine never decided that request: the network's decision is
 *   recorded as a decision of its own (`decided_by = network`, no hold), so
 *   the attempt shows on the card statement and the trace; a late copy of
 *   the request then gets that same answer as a repeat;
 * - the engine did decide it, and approved, but the answer came too late:
 *   the merchant was told "declined" and will never capture, so the hold is
 *   released at once (as a reversal would) rather than left until expiry.
 *
 * The network never approves in stand-in; an approved advice is recorded
 * with nothing held (the issuer cannot place a hold it did not decide).
 * Repeats of an advice (same id) do nothing.
 */
export async function handleAdvice(ctx: BatchContext, advice: AuthorizationAdvice): Promise<void> {
  await ctx.flush();
  const request = advice?.request;
  const response = advice?.response;
  if (!isMessageId(advice?.id) || !isMessageId(request?.id) || typeof response !== 'object' || response === null) return;
  if (await findMessage(ctx.tx, advice.id)) return;

  const known = ctx.knownRow(request.id) ?? (await rowByRequestId(ctx.tx, request.id));
  if (known === undefined) {
    await recordNetworkDecision(ctx, advice, response);
    return;
  }
  // Lock the card, then the record (the one lock order), and release what a late approval still holds.
  const entry = known.card_id === null ? undefined : await ctx.book.byId(known.card_id);
  const row = (await rowById(ctx.tx, known.id, { lock: true }))!;
  let released = 0;
  const releasable = row.decided_by === 'issuer' && row.status === 'pending' && Number(row.cleared_usd_minor) === 0 && response.approved !== true;
  if (releasable) {
    const held = Number(row.held_usd_minor);
    const change = await changeHold(ctx.tx, ctx.deps.ledger, row, { kind: 'void' }, 0, ctx.nowMs);
    // A hold that expired meanwhile holds nothing: nothing to release.
    if (change.ok) {
      await updateAuthorization(
        ctx.tx,
        row.id,
        {
          ...changeOf(row),
          status: 'reversed',
          heldUsdMinor: 0,
          releasedUsdMinor: Number(row.released_usd_minor) + held,
          ledgerSeq: change.ledgerSeq,
          closedAtMs: ctx.nowMs,
        },
        ctx.nowMs,
      );
      if (entry) entry.available = undefined;
      released = held;
      // Never spent: the day and month limits get it back (spend-release.ts). `row` still has the released total before this.
      if (await giveBackSpend(ctx.tx, entry, row, Number(row.released_usd_minor), held, ctx.nowMs)) await ctx.saveSpend();
    }
  }
  // Kept for the trace (and so a repeat of the advice does nothing), also when nothing was left to release.
  await insertMessage(ctx.tx, {
    id: advice.id,
    type: 'advice',
    originalId: request.id,
    authorizationId: row.id,
    cardId: row.card_id,
    amountMinor: released,
    currency: row.currency,
    final: null,
    responseCode: '00',
    reason: 'network_stand_in',
    approvalCode: null,
    movedUsdMinor: released,
    checks: { network_response_code: clip(response.responseCode, 2), network_reason: clip(response.reason, 64) },
    createdAtMs: ctx.nowMs,
  });
  if (released > 0) await notifyRelease(ctx.tx, ctx.deps.notifier, row, advice.id, released, ctx.nowMs);
}

async function recordNetworkDecision(ctx: BatchContext, advice: AuthorizationAdvice, response: AuthorizationResponse): Promise<void> {
  const { request } = advice;
  const pan = typeof request.card?.pan === 'string' && /^\d{13,19}$/.test(request.card.pan) ? request.card.pan : null;
  const entry = pan === null ? undefined : await ctx.book.byFingerprint(panFingerprint(ctx.deps.keyring, pan));
  const id = ctx.deps.ids.next('iauth');
  const avs = (response.avs ?? {}) as unknown as Record<string, unknown>;
  const row: AuthorizationRow = {
    id,
    ...requestColumns(request, entry, pan),
    // Recorded as what the acquirer was told; an approval is kept as such, with nothing held.
    approved: response.approved === true ? 1 : 0,
    response_code: clip(response.responseCode, 2) || '91',
    reason: clip(response.reason, 64) || 'issuer_unavailable',
    approval_code: response.approved === true ? clip(response.approvalCode, 6) || null : null,
    avs_line1: clip(avs.line1, 16) || 'unchecked',
    avs_postal_code: clip(avs.postalCode, 16) || 'unchecked',
    cvv2: clip(response.cvv2, 16) || 'unchecked',
    checks: JSON.stringify({ decided_by: 'network', advice_id: advice.id }),
    latency_us: 0,
    decided_by: 'network',
    status: response.approved === true ? 'closed' : 'declined',
    ...NOTHING_HELD,
    created_at_ms: ctx.nowMs,
    updated_at_ms: ctx.nowMs,
    closed_at_ms: ctx.nowMs,
  };
  await insertAuthorizations(ctx.tx, [row]);
  await notifyDecisions(ctx.tx, ctx.deps, [row]);
  ctx.remember(row);
}
