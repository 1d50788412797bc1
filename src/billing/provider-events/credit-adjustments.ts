import type { Sql, Tx } from '../../platform/db/database.ts';
import { formatMoney, money } from '../../platform/money.ts';

/**
 * The organization's record of credits its payment provider's events took
 * away or gave back: a refund made at the provider (outside billing), a
 * chargeback's withdrawal, a won dispute's reinstatement, a refund (the
 * provider's or billing's own) that failed after its credits were taken.
 * One row per effect, keyed by what caused it (`refund:re_…`,
 * `dispute:du_…:withdrawn`, `dispute:du_…:reinstated`, `refund:re_…:failed`):
 * the key is also what makes each effect happen once, whichever event (or
 * how many) brought the news.
 */

export type AdjustmentKind = 'provider_refund' | 'dispute_withdrawn' | 'dispute_reinstated' | 'provider_refund_failed';

export interface CreditAdjustment {
  readonly id: string;
  readonly orgId: string;
  readonly attemptId: string;
  readonly kind: AdjustmentKind;
  readonly providerObjectId: string;
  readonly providerEventId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly creditsRemovedMinor: number;
  readonly debtMinor: number;
  /** What came back to the balance (a restoring kind's whole amount, as a grant: it pays debt first). */
  readonly creditsRestoredMinor: number;
  /** Of what came back, the debt the taking had booked and that was cancelled rather than paid (a failed refund's). */
  readonly debtCancelledMinor: number;
  /** The provider's reason (a refund's `reason`, a dispute's `reason`), as it gave it. */
  readonly detail: string | null;
  readonly createdAtMs: number;
}

export function refundAdjustmentId(providerRefundId: string): string {
  return `refund:${providerRefundId}`;
}
/** A refund's give-back once the provider says it failed (the money stayed with the merchant). */
export function failedRefundAdjustmentId(providerRefundId: string): string {
  return `refund:${providerRefundId}:failed`;
}
export function disputeAdjustmentId(disputeId: string, step: 'withdrawn' | 'reinstated'): string {
  return `dispute:${disputeId}:${step}`;
}

const COLUMNS = 'id, org_id, attempt_id, kind, provider_object_id, provider_event_id, amount_minor, currency, credits_removed_minor, debt_minor, credits_restored_minor, debt_cancelled_minor, detail, created_at_ms';

function fromRow(row: any): CreditAdjustment {
  return {
    id: row.id,
    orgId: row.org_id,
    attemptId: row.attempt_id,
    kind: row.kind,
    providerObjectId: row.provider_object_id,
    providerEventId: row.provider_event_id,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    creditsRemovedMinor: Number(row.credits_removed_minor),
    debtMinor: Number(row.debt_minor),
    creditsRestoredMinor: Number(row.credits_restored_minor),
    debtCancelledMinor: Number(row.debt_cancelled_minor),
    detail: row.detail,
    createdAtMs: Number(row.created_at_ms),
  };
}

export async function findAdjustment(sql: Sql, id: string): Promise<CreditAdjustment | null> {
  const row = await sql.get(`SELECT ${COLUMNS} FROM billing_credit_adjustments WHERE id = ?`, [id]);
  return row === undefined ? null : fromRow(row);
}

/** Written with the ledger's effect, in its transaction (the caller has checked, under the payment's lock, that it is new). */
export async function insertAdjustment(tx: Tx, adjustment: CreditAdjustment): Promise<void> {
  await tx.run(`INSERT INTO billing_credit_adjustments (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    adjustment.id,
    adjustment.orgId,
    adjustment.attemptId,
    adjustment.kind,
    adjustment.providerObjectId,
    adjustment.providerEventId,
    adjustment.amountMinor,
    adjustment.currency,
    adjustment.creditsRemovedMinor,
    adjustment.debtMinor,
    adjustment.creditsRestoredMinor,
    adjustment.debtCancelledMinor,
    adjustment.detail?.slice(0, 200) ?? null,
    adjustment.createdAtMs,
  ]);
}

export async function listAdjustments(sql: Sql, orgId: string, limit: number): Promise<CreditAdjustment[]> {
  return (await sql.all(`SELECT ${COLUMNS} FROM billing_credit_adjustments WHERE org_id = ? ORDER BY created_at_ms DESC, id DESC LIMIT ?`, [orgId, limit])).map(fromRow);
}

/** Why the balance changed, in the organization's words, English and Chinese (a page shows its reader's). */
export function describeAdjustment(adjustment: CreditAdjustment): { readonly en: string; readonly 'zh-CN': string } {
  const amount = formatMoney(money(adjustment.amountMinor, adjustment.currency));
  const debt = adjustment.debtMinor > 0 ? formatMoney(money(adjustment.debtMinor, adjustment.currency)) : null;
  const debtEn = debt === null ? '' : ` ${debt} of them had been spent and is owed; usage is paused until a purchase covers it.`;
  const debtZh = debt === null ? '' : `其中 ${debt} 已被使用，计为欠款；在新的购买补足之前，API 调用将暂停。`;
  switch (adjustment.kind) {
    case 'provider_refund':
      return {
        en: `Payment ${adjustment.attemptId} was refunded by the merchant at the payment provider (${adjustment.providerObjectId}): the ${amount} of credits it bought were removed.${debtEn}`,
        'zh-CN': `付款 ${adjustment.attemptId} 已由商户在支付服务商处退款（${adjustment.providerObjectId}）：其购买的 ${amount} 额度已被扣除。${debtZh}`,
      };
    case 'dispute_withdrawn':
      return {
        en: `Payment ${adjustment.attemptId} was disputed with the card's bank (chargeback ${adjustment.providerObjectId}): the ${amount} of credits it bought were removed.${debtEn}`,
        'zh-CN': `付款 ${adjustment.attemptId} 被持卡人向发卡行提出争议（拒付 ${adjustment.providerObjectId}）：其购买的 ${amount} 额度已被扣除。${debtZh}`,
      };
    case 'dispute_reinstated':
      return {
        en: `The dispute ${adjustment.providerObjectId} of payment ${adjustment.attemptId} was decided for the merchant: the ${amount} of credits were given back.`,
        'zh-CN': `付款 ${adjustment.attemptId} 的争议 ${adjustment.providerObjectId} 已判商户胜诉：${amount} 额度已退回。`,
      };
    case 'provider_refund_failed': {
      const why = adjustment.detail === null ? '' : ` (${adjustment.detail})`;
      const whyZh = adjustment.detail === null ? '' : `（${adjustment.detail}）`;
      const cancelled = adjustment.debtCancelledMinor > 0 ? formatMoney(money(adjustment.debtCancelledMinor, adjustment.currency)) : null;
      return {
        en:
          `The refund ${adjustment.providerObjectId} of payment ${adjustment.attemptId} failed at the payment provider${why}: the money stayed with the merchant, so the ${amount} of credits it had taken were given back.` +
          (cancelled === null ? '' : ` ${cancelled} of it cancelled the debt the refund had left.`),
        'zh-CN':
          `付款 ${adjustment.attemptId} 的退款 ${adjustment.providerObjectId} 在支付服务商处失败${whyZh}：款项仍在商户处，因此该退款扣除的 ${amount} 额度已退回。` +
          (cancelled === null ? '' : `其中 ${cancelled} 用于取消该退款造成的欠款。`),
      };
    }
  }
}
