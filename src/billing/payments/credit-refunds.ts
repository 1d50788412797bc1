import Stripe from 'stripe';
import type { Sql, Tx } from '../../platform/db/database.ts';
import { BillingError } from '../errors.ts';
import { cancelDebt, grantCredits, removeCredits } from '../billing-ledger.ts';
import { findLot } from '../credit-lots/credit-lots.ts';
import { creditExpiry, creditTransferId } from './credit-purchases.ts';
import { addRefunded, findAttempt, SEND_LEASE_MS, STUCK_AFTER_MS } from './payment-attempts.ts';
import type { BillingPaymentDeps } from './payment-deps.ts';

/**
 * Refunds of credit purchases and recharges (the merchant's action, e.g.
 * after a complaint): the money goes back to the card through the provider,
 * and the same credits leave the organization's balance — as far as they
 * are left, the rest as debt (the balance goes negative and usage stops, as
 * OpenAI does after a refund or dispute).
 *
 * The refund row and the reservation of its amount on the payment are
 * written before the provider is called (the refund's id is the idempotency
 * key), so concurrent refunds cannot exceed the payment and a lost answer is
 * finished by the sweep.
 */

export interface CreditRefund {
  readonly id: string;
  readonly orgId: string;
  readonly attemptId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly reason: string | null;
  readonly status: 'processing' | 'succeeded' | 'failed';
  readonly providerRefundId: string | null;
  readonly failureMessage: string | null;
  readonly creditsRemovedMinor: number | null;
  readonly debtMinor: number | null;
  readonly createdAtMs: number;
}

const REFUNDABLE_KINDS = new Set(['purchase', 'auto_recharge']);
const COLUMNS = 'id, org_id, attempt_id, amount_minor, currency, reason, status, provider_refund_id, failure_message, credits_removed_minor, debt_minor, created_at_ms';

function fromRow(row: any): CreditRefund {
  const nullable = (value: unknown) => (value === null ? null : Number(value));
  return {
    id: row.id,
    orgId: row.org_id,
    attemptId: row.attempt_id,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    reason: row.reason,
    status: row.status,
    providerRefundId: row.provider_refund_id,
    failureMessage: row.failure_message,
    creditsRemovedMinor: nullable(row.credits_removed_minor),
    debtMinor: nullable(row.debt_minor),
    createdAtMs: Number(row.created_at_ms),
  };
}

export async function findRefund(sql: Sql, id: string): Promise<CreditRefund | null> {
  const row = await sql.get(`SELECT ${COLUMNS} FROM billing_refunds WHERE id = ?`, [id]);
  return row === undefined ? null : fromRow(row);
}

export async function listRefunds(sql: Sql, orgId: string, limit: number): Promise<CreditRefund[]> {
  return (await sql.all(`SELECT ${COLUMNS} FROM billing_refunds WHERE org_id = ? ORDER BY id DESC LIMIT ?`, [orgId, limit])).map(fromRow);
}

export async function processingRefunds(sql: Sql, olderThanMs: number, limit: number): Promise<CreditRefund[]> {
  const rows = await sql.all(`SELECT ${COLUMNS} FROM billing_refunds WHERE status = 'processing' AND created_at_ms <= ? ORDER BY created_at_ms LIMIT ?`, [olderThanMs, limit]);
  return rows.map(fromRow);
}

/** A refund's send lease, as claimAttemptSend's for payments: null while another process is sending it, else the lease's end. */
async function claimRefundSend(sql: Sql, refundId: string, nowMs: number): Promise<number | null> {
  const until = nowMs + SEND_LEASE_MS;
  const changed = await sql.run(
    `UPDATE billing_refunds SET send_lease_until_ms = ? WHERE id = ? AND status = 'processing' AND (send_lease_until_ms IS NULL OR send_lease_until_ms <= ?)`,
    [until, refundId, nowMs],
  );
  return changed === 1 ? until : null;
}

/** The provider's refund for this billing refund (named in its metadata), if an earlier send made one. */
async function earlierRefund(stripe: Stripe, paymentIntentId: string, refund: CreditRefund): Promise<Stripe.Refund | null> {
  for await (const made of stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 })) {
    if (made.metadata?.cardlane_billing_refund === refund.id) return made;
  }
  return null;
}

/**
 * The credits a succeeded refund takes back, in the caller's transaction: the purchase's own lot first, then the
 * oldest, the rest as debt (billing-ledger.ts removeCredits). One transfer id per refund, so it happens once. Used by
 * billing's own refunds and by refunds made at the provider outside billing (provider-events/provider-refunds.ts).
 */
export function removeRefundedCredits(
  tx: Tx,
  deps: Pick<BillingPaymentDeps, 'ledger'>,
  refund: Pick<CreditRefund, 'id' | 'orgId' | 'attemptId' | 'amountMinor'>,
  reason = 'refund',
): Promise<{ fromCreditsMinor: number; asDebtMinor: number }> {
  return removeCredits(tx, deps, {
    orgId: refund.orgId,
    amountMinor: refund.amountMinor,
    reason,
    transferId: `bill:refund:${refund.id}`,
    // The purchase's own credits go first (the lot's id is its grant's transfer id).
    fromLotId: creditTransferId(refund.attemptId),
  });
}

/**
 * Gives back what a refund took once the provider says it failed after all (Stripe can fail a refund after it
 * `succeeded`, e.g. the card was closed: the money goes back to the merchant's balance), in the caller's transaction,
 * exactly once per refund (the caller turns the refund `failed` under its lock). What it booked as debt is cancelled
 * as far as it is still owed; the rest — the credits it removed, and debt a purchase has paid since — comes back as
 * credits, as a won dispute's do (a grant, expiring when the purchase's credits would have). The balance ends where it
 * was before the refund; nothing more.
 */
export async function giveBackRefundedCredits(
  tx: Tx,
  deps: Pick<BillingPaymentDeps, 'ledger' | 'clock' | 'config'>,
  refund: Pick<CreditRefund, 'id' | 'orgId' | 'attemptId' | 'amountMinor'> & { readonly creditsRemovedMinor: number; readonly debtMinor: number },
): Promise<{ creditsRestoredMinor: number; debtCancelledMinor: number }> {
  if (refund.creditsRemovedMinor + refund.debtMinor !== refund.amountMinor) throw new Error(`refund ${refund.id} took ${refund.creditsRemovedMinor} + ${refund.debtMinor} of ${refund.amountMinor}`);
  const transferId = `bill:refund-failed:${refund.id}`;
  const debtCancelledMinor = refund.debtMinor > 0 ? await cancelDebt(tx, deps, { orgId: refund.orgId, amountMinor: refund.debtMinor, reason: 'refund_failed', transferId: `${transferId}:debt` }) : 0;
  const asCreditsMinor = refund.amountMinor - debtCancelledMinor;
  if (asCreditsMinor > 0) {
    const lot = await findLot(tx, creditTransferId(refund.attemptId));
    const expiresAtMs = lot !== null ? lot.expiresAtMs : creditExpiry(deps.clock.nowMs(), deps.config.creditExpiryDays);
    const outcome = await grantCredits(tx, deps, { orgId: refund.orgId, amountMinor: asCreditsMinor, reason: 'refund_failed', transferId, expiresAtMs });
    if (outcome.result !== 'ok') throw new Error(`credits given back for refund ${refund.id}: ${outcome.result}`);
  }
  return { creditsRestoredMinor: refund.amountMinor, debtCancelledMinor };
}

/**
 * Marks a refund failed and frees its amount on the payment (what it would have returned can be refunded again), in
 * the caller's transaction, which holds the payment's row and then the refund's (that order, everywhere: the feed of
 * provider events takes them so too).
 */
export async function markRefundFailed(tx: Tx, refund: Pick<CreditRefund, 'id' | 'attemptId' | 'amountMinor'>, providerRefundId: string | null, message: string, nowMs: number): Promise<void> {
  await tx.run(`UPDATE billing_refunds SET status = 'failed', provider_refund_id = ?, failure_message = ?, finished_at_ms = ? WHERE id = ?`, [
    providerRefundId,
    message.slice(0, 500),
    nowMs,
    refund.id,
  ]);
  await addRefunded(tx, refund.attemptId, -refund.amountMinor);
}

export class CreditRefunds {
  constructor(private readonly deps: BillingPaymentDeps) {}

  /** Refunds `amountMinor` (default: all that is left) of a paid attempt. */
  async refund(attemptId: string, input: { amountMinor?: number; reason?: string } = {}): Promise<CreditRefund> {
    const refund = await this.deps.db.transaction(async (tx) => {
      const attempt = await findAttempt(tx, attemptId, { lock: true });
      if (attempt === null) throw new BillingError('resource_missing', `No billing payment ${attemptId}.`);
      if (attempt.status !== 'succeeded' || !REFUNDABLE_KINDS.has(attempt.kind) || attempt.providerIntentId === null) {
        throw new BillingError('payment_not_refundable', `Payment ${attemptId} is a ${attempt.status} ${attempt.kind}; only a successful credit purchase or recharge can be refunded.`);
      }
      const left = attempt.amountMinor - attempt.refundedMinor;
      const amount = input.amountMinor ?? left;
      if (!Number.isSafeInteger(amount) || amount <= 0 || amount > left) {
        throw new BillingError('refund_amount_out_of_range', `A refund of ${attemptId} is a whole number of cents from 1 to ${left}.`, { param: 'amount' });
      }
      const created: CreditRefund = {
        id: this.deps.ids.next('bre'),
        orgId: attempt.orgId,
        attemptId,
        amountMinor: amount,
        currency: attempt.currency,
        reason: input.reason?.slice(0, 200) ?? null,
        status: 'processing',
        providerRefundId: null,
        failureMessage: null,
        creditsRemovedMinor: null,
        debtMinor: null,
        createdAtMs: this.deps.clock.nowMs(),
      };
      await tx.run(
        `INSERT INTO billing_refunds (id, org_id, attempt_id, amount_minor, currency, reason, status, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, 'processing', ?)`,
        [created.id, created.orgId, created.attemptId, created.amountMinor, created.currency, created.reason, created.createdAtMs],
      );
      await addRefunded(tx, attemptId, amount);
      return created;
    });
    return this.send(refund);
  }

  /** Sends (or re-sends, with the same idempotency key) a processing refund to the provider and records the answer. */
  async send(given: CreditRefund): Promise<CreditRefund> {
    if (given.status !== 'processing') return given;
    // One sender of a refund's key at a time (as payments: claimAttemptSend); then the row as it is now.
    const lease = await claimRefundSend(this.deps.db, given.id, this.deps.clock.nowMs());
    if (lease === null) return (await findRefund(this.deps.db, given.id)) ?? given;
    try {
      return await this.#send((await findRefund(this.deps.db, given.id)) ?? given);
    } finally {
      await this.deps.db.run('UPDATE billing_refunds SET send_lease_until_ms = NULL WHERE id = ? AND send_lease_until_ms = ?', [given.id, lease]);
    }
  }

  async #send(refund: CreditRefund): Promise<CreditRefund> {
    if (refund.status !== 'processing') return refund;
    const attempt = (await findAttempt(this.deps.db, refund.attemptId))!;
    const stripe = this.deps.provider.stripe();
    try {
      // A refund the provider answered `pending` is read by its id: re-sending the create would replay that `pending` answer for as
      // long as the provider keeps the key, so the sweep never saw it finish (the money went back, the credits stayed).
      // A re-send first looks for the refund an earlier send made (as ChargeRunner does for payments): after the provider forgot
      // the key, or dropped it after acting, the same create was a second refund of the same money.
      const earlier =
        refund.providerRefundId === null && this.deps.clock.nowMs() - refund.createdAtMs >= STUCK_AFTER_MS ? await earlierRefund(stripe, attempt.providerIntentId!, refund) : null;
      const answer =
        earlier !== null
          ? earlier
          : refund.providerRefundId !== null
          ? await stripe.refunds.retrieve(refund.providerRefundId)
          : await stripe.refunds.create(
              { payment_intent: attempt.providerIntentId!, amount: refund.amountMinor, metadata: { cardlane_billing_refund: refund.id } },
              { idempotencyKey: `cardlane-billing-${refund.id}` },
            );
      if (answer.status === 'succeeded') return await this.succeeded(refund, answer.id);
      if (answer.status === 'failed' || answer.status === 'canceled') return await this.failed(refund, answer.id, answer.failure_reason ?? `refund ${answer.status}`);
      // Pending at the provider: the sweep reads it again.
      await this.deps.db.run(`UPDATE billing_refunds SET provider_refund_id = ? WHERE id = ? AND status = 'processing' AND provider_refund_id IS NULL`, [answer.id, refund.id]);
      return { ...refund, providerRefundId: answer.id };
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error;
      const transient = error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError || (error.statusCode ?? 0) >= 500 || error.statusCode === 409 || error.statusCode === 429;
      // Only a create the provider refused means no money moved; a refund it already made stays ours to finish, whatever a read says.
      if (transient || refund.providerRefundId !== null) return refund;
      return this.failed(refund, null, error.message);
    }
  }

  private succeeded(refund: CreditRefund, providerRefundId: string): Promise<CreditRefund> {
    return this.deps.db.transaction(async (tx) => {
      const current = fromRow(await tx.get(`SELECT ${COLUMNS} FROM billing_refunds WHERE id = ? ${tx.forUpdate}`, [refund.id]));
      if (current.status !== 'processing') return current;
      const removed = await removeRefundedCredits(tx, this.deps, refund);
      await tx.run(
        `UPDATE billing_refunds SET status = 'succeeded', provider_refund_id = ?, credits_removed_minor = ?, debt_minor = ?, finished_at_ms = ? WHERE id = ?`,
        [providerRefundId, removed.fromCreditsMinor, removed.asDebtMinor, this.deps.clock.nowMs(), refund.id],
      );
      return { ...current, status: 'succeeded', providerRefundId, creditsRemovedMinor: removed.fromCreditsMinor, debtMinor: removed.asDebtMinor };
    });
  }

  private failed(refund: CreditRefund, providerRefundId: string | null, message: string): Promise<CreditRefund> {
    return this.deps.db.transaction(async (tx) => {
      // The payment's row before the refund's, as the provider-event feed locks them (it may fail this refund too).
      await findAttempt(tx, refund.attemptId, { lock: true });
      const current = fromRow(await tx.get(`SELECT ${COLUMNS} FROM billing_refunds WHERE id = ? ${tx.forUpdate}`, [refund.id]));
      if (current.status !== 'processing') return current;
      // The reservation is released: what this refund would have returned can be refunded again.
      await markRefundFailed(tx, refund, providerRefundId, message, this.deps.clock.nowMs());
      return { ...current, status: 'failed', providerRefundId, failureMessage: message };
    });
  }
}
