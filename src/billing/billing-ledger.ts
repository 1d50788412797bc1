import type { Ledger } from '../ledger/ledger.ts';
import { lookupAccounts } from '../ledger/reads.ts';
import type { TransferOutcome } from '../ledger/types.ts';
import type { Sql } from '../platform/db/database.ts';

/**
 * Merchant billing's book (ledger 3840; USD only for now):
 *
 *   grant    debit bill:funding:USD            credit bill:org:<org>:credits:USD
 *   usage    debit bill:org:<org>:credits:USD  credit bill:usage_revenue:USD
 *
 * An organization's credit account has `debits_must_not_exceed_credits`, so
 * the ledger itself refuses a usage debit that would take it below zero
 * (`exceeds_credits`, counting pending debits) — under any concurrency. The
 * funding account stands for money received (purchases, later) and grants.
 */
export const BILLING_LEDGER = 3840;
export const BILLING_CURRENCY = 'USD';
const ACCOUNT_CODES = { funding: 1, org_credits: 2, usage_revenue: 3 } as const;
export const BILLING_TRANSFER_CODES = { grant: 1, usage: 2 } as const;

export function orgCreditsAccount(orgId: string): string {
  return `bill:org:${orgId}:credits:${BILLING_CURRENCY}`;
}
export const FUNDING_ACCOUNT = `bill:funding:${BILLING_CURRENCY}`;
export const USAGE_REVENUE_ACCOUNT = `bill:usage_revenue:${BILLING_CURRENCY}`;

/** Creates the book's shared accounts and the organization's credit account (idempotent). */
export async function ensureBillingAccounts(ledger: Ledger, sql: Sql, orgId: string): Promise<void> {
  const outcomes = await ledger.createAccounts(sql, [
    { id: FUNDING_ACCOUNT, ledger: BILLING_LEDGER, currency: BILLING_CURRENCY, code: ACCOUNT_CODES.funding },
    { id: USAGE_REVENUE_ACCOUNT, ledger: BILLING_LEDGER, currency: BILLING_CURRENCY, code: ACCOUNT_CODES.usage_revenue },
    {
      id: orgCreditsAccount(orgId),
      ledger: BILLING_LEDGER,
      currency: BILLING_CURRENCY,
      code: ACCOUNT_CODES.org_credits,
      flags: ['debits_must_not_exceed_credits'],
      metadata: { org_id: orgId },
    },
  ]);
  for (const outcome of outcomes) {
    if (outcome.result !== 'ok' && outcome.result !== 'exists') throw new Error(`billing ledger account ${outcome.id}: ${outcome.result}`);
  }
}

export interface CreditGrant {
  readonly orgId: string;
  readonly amountMinor: number;
  /** Why (e.g. `purchase`, `test`, `promo`); kept in the transfer's metadata. */
  readonly reason: string;
  /** Chosen by the caller, unique forever: a retried grant with the same id is the same grant (`exists`). */
  readonly transferId: string;
}

/**
 * Adds credits to an organization. The outcome is the ledger's value: `ok`,
 * `exists` (already granted with this id), or a refusal such as
 * `exists_with_different_amount` or `credit_account_not_found` (no such org).
 */
export async function grantCredits(sql: Sql, deps: { ledger: Ledger }, grant: CreditGrant): Promise<TransferOutcome> {
  if (!Number.isSafeInteger(grant.amountMinor) || grant.amountMinor <= 0) throw new Error('a grant is a positive integer of cents');
  return deps.ledger.createTransfer(sql, {
    id: grant.transferId,
    debit_account_id: FUNDING_ACCOUNT,
    credit_account_id: orgCreditsAccount(grant.orgId),
    amount: grant.amountMinor,
    ledger: BILLING_LEDGER,
    currency: BILLING_CURRENCY,
    code: BILLING_TRANSFER_CODES.grant,
    metadata: { org_id: grant.orgId, reason: grant.reason.slice(0, 64) },
  });
}

export interface CreditBalance {
  readonly currency: string;
  /** What the organization can still spend, in cents: credits − debits posted − debits still held. */
  readonly available_minor: number;
}

/**
 * The organization's credit balance, or null for an unknown organization.
 * Pending debits count (billing places none yet; a hold past its timeout
 * counts until the sweeper resolves it, which errs on the side of no overspend).
 */
export async function creditBalance(sql: Sql, orgId: string): Promise<CreditBalance | null> {
  const [account] = await lookupAccounts(sql, [orgCreditsAccount(orgId)]);
  if (account === undefined) return null;
  return { currency: account.currency, available_minor: account.credits_posted - account.debits_posted - account.debits_pending };
}
