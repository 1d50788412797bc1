import type { Sql } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { Ledger } from '../../ledger/ledger.ts';
import { InvalidCursor } from '../../ledger/reads.ts';
import type { Transfer } from '../../ledger/types.ts';
import { CARD_TRANSFER_CODES, cardAccountId } from './card-accounts.ts';
import { getCardOf } from './cards.ts';

/**
 * A card's statement: its ledger movements, newest first, each with a status
 * in the vocabulary. A hold appears once, with its current state
 * (pending → settled when posted, reversed when voided, expired); the post or
 * void transfer that resolved it is folded into that line, not shown again.
 * `declined` lines (no money moved) and `refunded` lines come with the
 * network issue, which books authorizations and merchant refunds.
 */

export type StatementStatus = 'pending' | 'settled' | 'declined' | 'reversed' | 'refunded' | 'expired';

export interface StatementLine {
  readonly id: string;
  readonly type: string;
  /** Positive: money into the card; negative: out of it. USD cents. */
  readonly amountUsdMinor: number;
  readonly status: StatementStatus;
  readonly createdAtMs: number;
  readonly resolvedAtMs: number | null;
}

export const STATEMENT_PAGE_MAX = 100;

const TYPES = new Map<number, string>([
  [CARD_TRANSFER_CODES.card_load, 'load'],
  [CARD_TRANSFER_CODES.card_unload, 'unload'],
  [CARD_TRANSFER_CODES.card_close_sweep, 'close_sweep'],
]);

export async function cardStatement(
  ledger: Ledger,
  sql: Sql,
  input: { readonly cardholderId: string; readonly cardId: string; readonly limit?: number; readonly after?: string | null },
): Promise<{ lines: StatementLine[]; hasMore: boolean; nextCursor: string | null }> {
  const card = await getCardOf(sql, input.cardholderId, input.cardId);
  const account = cardAccountId(card.id);
  let page;
  try {
    page = await ledger.listAccountTransfers(sql, account, { limit: Math.min(input.limit ?? 20, STATEMENT_PAGE_MAX), after: input.after ?? null });
  } catch (error) {
    if (error instanceof InvalidCursor) throw new AppError('parameter_invalid', 'The cursor is not one this API gave out.', { param: 'starting_after' });
    throw error;
  }
  const lines = page.data.filter((t) => !t.flags.includes('post_pending_transfer') && !t.flags.includes('void_pending_transfer')).map((t) => line(t, account));
  return { lines, hasMore: page.has_more, nextCursor: page.next_cursor };
}

function line(transfer: Transfer, account: string): StatementLine {
  const sign = transfer.credit_account_id === account ? 1 : -1;
  return {
    id: transfer.id,
    type: TYPES.get(transfer.code) ?? `code_${transfer.code}`,
    amountUsdMinor: sign * transfer.amount,
    status: status(transfer),
    createdAtMs: transfer.created_at_ms,
    resolvedAtMs: transfer.resolved_at_ms,
  };
}

function status(transfer: Transfer): StatementStatus {
  switch (transfer.pending_status) {
    case null:
      return 'settled';
    case 'pending':
      return 'pending';
    case 'posted':
      return 'settled';
    case 'voided':
      return 'reversed';
    case 'expired':
      return 'expired';
  }
}
