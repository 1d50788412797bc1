import type { Tx } from '../../platform/db/database.ts';
import type { Ledger, TransferFlag, TransferInput } from '../../ledger/index.ts';
import { CARD_TRANSFER_CODES, cardAccountId } from '../cards/card-accounts.ts';
import { SYSTEM_ACCOUNTS, walletAccountId } from '../money/ledger-accounts.ts';
import type { AuthorizationRow } from './records.ts';

/**
 * An authorization's money in the ledger. The engine keeps exactly one open
 * hold per authorization (a pending transfer card → network settlement,
 * `hold_transfer_id`), so every change is one post or void of it, followed
 * — in the same linked chain, so both happen or neither — by a new hold
 * for what must stay held:
 *
 * - partial clearing: post X of the hold (the rest is released) + hold the rest;
 *   a final clearing posts X and holds nothing;
 * - partial reversal: void the hold + hold the rest; a full reversal voids;
 * - incremental authorization: void the hold + hold (old + increase). The
 *   new hold goes through the ledger's floor like any debit, so an increase
 *   the balance cannot cover fails as a whole and the old hold stays;
 * - a refund is a plain posted transfer network settlement → card.
 *
 * A new hold keeps the authorization's expiry: its timeout is what is left
 * of the original one (the ledger measures it from its own clock reading,
 * so it can end a few milliseconds later; the record takes the ledger's
 * figure). Ledger transfer ids are `<authorization id>:<n>`, n counting up
 * in `ledger_seq`, so a retried transaction books the same ids.
 */

export function holdCode(purpose: string): number {
  return purpose === 'purchase' ? CARD_TRANSFER_CODES.authorization_hold : CARD_TRANSFER_CODES.verification_hold;
}

export function holdInput(authorizationId: string, seq: number, cardId: string, purpose: string, amountUsdMinor: number, timeoutMs: number, linked = false): TransferInput {
  return {
    id: `${authorizationId}:${seq}`,
    debit_account_id: cardAccountId(cardId),
    credit_account_id: SYSTEM_ACCOUNTS.usdNetworkSettlement,
    amount: amountUsdMinor,
    code: holdCode(purpose),
    flags: linked ? ['pending', 'linked'] : ['pending'],
    timeout_ms: timeoutMs,
  };
}

export type HoldChange =
  | { readonly ok: true; readonly holdTransferId: string | null; readonly expiresAtMs: number | null; readonly ledgerSeq: number }
  | { readonly ok: false; readonly result: 'expired' | 'insufficient_funds' };

/**
 * Posts `postUsdMinor` of the open hold (or voids it when `action` is
 * 'void'), then holds `newHeldUsdMinor` again if it is above zero.
 */
export async function changeHold(
  tx: Tx,
  ledger: Ledger,
  row: AuthorizationRow,
  action: { readonly kind: 'post'; readonly amountUsdMinor: number } | { readonly kind: 'void' },
  newHeldUsdMinor: number,
  nowMs: number,
): Promise<HoldChange> {
  if (row.hold_transfer_id === null || row.card_id === null) throw new Error(`authorization ${row.id} has no open hold to change`);
  const code = holdCode(row.purpose);
  let seq = Number(row.ledger_seq);
  const rehold = newHeldUsdMinor > 0;
  const flags: TransferFlag[] = [action.kind === 'post' ? 'post_pending_transfer' : 'void_pending_transfer'];
  if (rehold) flags.push('linked');
  const inputs: TransferInput[] = [
    {
      id: `${row.id}:${++seq}`,
      pending_id: row.hold_transfer_id,
      ...(action.kind === 'post' ? { amount: action.amountUsdMinor } : {}),
      code,
      flags,
    },
  ];
  if (rehold) {
    const leftMs = Number(row.expires_at_ms) - nowMs;
    if (!(leftMs > 0)) return { ok: false, result: 'expired' };
    inputs.push(holdInput(row.id, ++seq, row.card_id, row.purpose, newHeldUsdMinor, leftMs));
  }
  const outcomes = await ledger.createTransfers(tx, inputs);
  const first = outcomes[0]!.result;
  if (first === 'ok' && (!rehold || outcomes[1]!.result === 'ok')) {
    const hold = rehold ? outcomes[1]!.transfer! : null;
    return { ok: true, holdTransferId: hold ? hold.id : row.hold_transfer_id, expiresAtMs: hold ? hold.expires_at_ms : Number(row.expires_at_ms), ledgerSeq: seq };
  }
  if (first === 'pending_transfer_expired') return { ok: false, result: 'expired' };
  if (rehold && outcomes[1]!.result === 'exceeds_credits') return { ok: false, result: 'insufficient_funds' };
  throw new Error(`authorization ${row.id}: hold change failed: ${outcomes.map((o) => o.result).join(', ')}`);
}

/** Credits a refund: to the card, or to the cardholder's wallet when the card has been closed. */
export async function bookRefund(
  tx: Tx,
  ledger: Ledger,
  row: AuthorizationRow,
  amountUsdMinor: number,
  toWallet: boolean,
): Promise<{ ledgerSeq: number }> {
  if (row.card_id === null || row.cardholder_id === null) throw new Error(`authorization ${row.id} has no card to refund`);
  const seq = Number(row.ledger_seq) + 1;
  const outcome = await ledger.createTransfer(tx, {
    id: `${row.id}:${seq}`,
    debit_account_id: SYSTEM_ACCOUNTS.usdNetworkSettlement,
    credit_account_id: toWallet ? walletAccountId(row.cardholder_id) : cardAccountId(row.card_id),
    amount: amountUsdMinor,
    code: toWallet ? CARD_TRANSFER_CODES.merchant_refund_wallet : CARD_TRANSFER_CODES.merchant_refund,
  });
  if (outcome.result !== 'ok') throw new Error(`authorization ${row.id}: refund failed: ${outcome.result}`);
  return { ledgerSeq: seq };
}
