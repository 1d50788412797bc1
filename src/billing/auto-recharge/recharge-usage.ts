import type { Sql } from '../../platform/db/database.ts';
import { utcMonth } from './recharge-amount.ts';

/**
 * What an organization's recharges amount to, from its payment attempts:
 * those in flight (charged, not answered) and this UTC calendar month's
 * (succeeded or in flight, net of refunds — money given back is not spent
 * against the limit). Manual purchases are another kind and never count.
 */
export async function rechargeUsage(sql: Sql, orgId: string, nowMs: number): Promise<{ inFlightMinor: number; usedThisMonthMinor: number }> {
  const { startMs, endMs } = utcMonth(nowMs);
  const row = await sql.get<{ in_flight: number | string | null; used: number | string | null }>(
    `SELECT
       COALESCE(SUM(CASE WHEN status = 'processing' THEN amount_minor ELSE 0 END), 0) AS in_flight,
       COALESCE(SUM(CASE WHEN created_at_ms >= ? AND created_at_ms < ? THEN amount_minor - refunded_minor ELSE 0 END), 0) AS used
     FROM billing_payment_attempts
     WHERE org_id = ? AND kind = 'auto_recharge' AND (status = 'processing' OR (status = 'succeeded' AND created_at_ms >= ?))`,
    [startMs, endMs, orgId, startMs],
  );
  return { inFlightMinor: Number(row?.in_flight ?? 0), usedThisMonthMinor: Math.max(0, Number(row?.used ?? 0)) };
}
