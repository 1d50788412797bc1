import type { Sql } from '../../platform/db/database.ts';
import type { DisputeCategory } from '../../network/messages.ts';
import { DISPUTE_TRANSFER_CODES } from './dispute-ledger.ts';
import type { IssuerDisputeStatus } from './disputes.ts';

/** What a statement line says about the dispute of its payment. */
export interface LineDispute {
  readonly id: string;
  readonly status: IssuerDisputeStatus;
  readonly reason: DisputeCategory;
  readonly amountMinor: number;
  /** What the issuer credited at once (0 when the setting is off). Still shown after a reversal: the status (`lost`, `rejected`) says it was taken back. */
  readonly provisionalCreditMinor: number;
}

/** The card ledger's dispute postings as statement line types (the rest of the dispute's postings are the issuer's own accounts). */
export const DISPUTE_LINE_TYPES: ReadonlyMap<number, string> = new Map([
  [DISPUTE_TRANSFER_CODES.provisional_credit, 'dispute_provisional_credit'],
  [DISPUTE_TRANSFER_CODES.credit, 'dispute_credit'],
  [DISPUTE_TRANSFER_CODES.provisional_reversal, 'dispute_reversal'],
]);

/** The dispute id a dispute posting's transfer id (`idsp:<dispute>:<step>`) carries, or null for any other transfer. */
export function disputeIdOfTransfer(transferId: string): string | null {
  const match = /^idsp:(idsp_[A-Za-z0-9]+):/.exec(transferId);
  return match ? match[1]! : null;
}

/** The disputes of these payments and of these dispute ids, in one query (at most one dispute per payment). */
export async function lineDisputes(sql: Sql, authorizationIds: readonly string[], disputeIds: readonly string[]): Promise<{ byAuthorization: Map<string, LineDispute>; byId: Map<string, LineDispute> }> {
  const byAuthorization = new Map<string, LineDispute>();
  const byId = new Map<string, LineDispute>();
  if (authorizationIds.length === 0 && disputeIds.length === 0) return { byAuthorization, byId };
  const conditions: string[] = [];
  if (authorizationIds.length > 0) conditions.push(`authorization_id IN (${authorizationIds.map(() => '?').join(', ')})`);
  if (disputeIds.length > 0) conditions.push(`id IN (${disputeIds.map(() => '?').join(', ')})`);
  const rows = await sql.all<{ id: string; authorization_id: string; status: IssuerDisputeStatus; category: DisputeCategory; amount_minor: number | string; provisional_credit_minor: number | string }>(
    `SELECT id, authorization_id, status, category, amount_minor, provisional_credit_minor FROM issuer_disputes WHERE ${conditions.join(' OR ')}`,
    [...authorizationIds, ...disputeIds],
  );
  for (const row of rows) {
    const dispute: LineDispute = { id: row.id, status: row.status, reason: row.category, amountMinor: Number(row.amount_minor), provisionalCreditMinor: Number(row.provisional_credit_minor) };
    byAuthorization.set(row.authorization_id, dispute);
    byId.set(row.id, dispute);
  }
  return { byAuthorization, byId };
}
