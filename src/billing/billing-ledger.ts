import type { Ledger, TransferOutcome } from '../ledger/index.ts';
import { lookupAccounts } from '../ledger/index.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database, Sql, Tx } from '../platform/db/database.ts';
import { insertLot, lockLots, takeFromLots } from './credit-lots/credit-lots.ts';

/**
 * Merchant billing's book (ledger 3840; USD only for now):
 *
 *   grant    debit bill:funding:USD            credit bill:org:<org>:credits:USD
 *   usage    debit bill:org:<org>:credits:USD  credit bill:usage_revenue:USD
 *
 * An organization's credit account has `debits_must_not_exceed_credits`, so
 * the ledger itself refuses a usage debit that would take it below zero
 * (`exceeds_credits`, counting pending debits) — under any concurrency. The
 * funding account stands for money received (purchases) and grants.
 *
 *   refund   debit bill:org:<org>:credits:USD  credit bill:funding:USD   (at most what is left: balancing)
 *            debit bill:org:<org>:debt:USD     credit bill:funding:USD   (the rest, owed by the organization)
 *   settle   debit bill:org:<org>:credits:USD  credit bill:org:<org>:debt:USD  (every grant pays debt first)
 *   subscription  debit bill:funding:USD       credit bill:subscription_revenue:USD  (a paid period; no credits)
 *   expiry   debit bill:org:<org>:credits:USD  credit bill:expired_credits:USD  (a lot past its expiry: what is left of it)
 *   cancel   debit bill:funding:USD            credit bill:org:<org>:debt:USD   (a refund that booked debt failed: at most what is owed)
 *
 * Every grant is also a credit lot (credit-lots/credit-lots.ts) with its
 * expiry; every debit of the credit account takes from the lots, oldest
 * expiry first, in the same transaction.
 *
 * A refund may take more credits than are left (they were spent): the rest
 * becomes debt, so the balance shown is credits − debt and may be negative,
 * while the credit account itself never is. Every grant settles debt in the
 * same transaction, so credits are spendable only once no debt is left —
 * usage stops while the balance is negative, and no debit can overspend.
 */
export const BILLING_LEDGER = 3840;
export const BILLING_CURRENCY = 'USD';
const ACCOUNT_CODES = { funding: 1, org_credits: 2, usage_revenue: 3, org_debt: 4, subscription_revenue: 5, expired_credits: 6 } as const;
export const BILLING_TRANSFER_CODES = { grant: 1, usage: 2, refund: 3, refund_debt: 4, settle_debt: 5, subscription: 6, expiry: 7, cancel_debt: 8 } as const;

export function orgCreditsAccount(orgId: string): string {
  return `bill:org:${orgId}:credits:${BILLING_CURRENCY}`;
}
export function orgDebtAccount(orgId: string): string {
  return `bill:org:${orgId}:debt:${BILLING_CURRENCY}`;
}
export const FUNDING_ACCOUNT = `bill:funding:${BILLING_CURRENCY}`;
export const USAGE_REVENUE_ACCOUNT = `bill:usage_revenue:${BILLING_CURRENCY}`;
export const SUBSCRIPTION_REVENUE_ACCOUNT = `bill:subscription_revenue:${BILLING_CURRENCY}`;
/** Credits that expired unspent (breakage): the merchant's to keep. */
export const EXPIRED_CREDITS_ACCOUNT = `bill:expired_credits:${BILLING_CURRENCY}`;

/** Runs `work` in the caller's transaction, or in one of its own when given the database: lots and ledger change together. */
function inTransaction<T>(sql: Sql, work: (tx: Tx) => Promise<T>): Promise<T> {
  return (sql as Tx).isTransaction === true ? work(sql as Tx) : (sql as Database).transaction(work);
}

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
    // Debit-normal: what the organization owes after a refund of credits it had spent.
    { id: orgDebtAccount(orgId), ledger: BILLING_LEDGER, currency: BILLING_CURRENCY, code: ACCOUNT_CODES.org_debt, flags: ['credits_must_not_exceed_debits'], metadata: { org_id: orgId } },
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
  /** When the granted credits expire (its lot's expiry); null or absent: never. */
  readonly expiresAtMs?: number | null;
}

/**
 * Adds credits to an organization. The outcome is the ledger's value: `ok`,
 * `exists` (already granted with this id), or a refusal such as
 * `exists_with_different_amount` or `credit_account_not_found` (no such org).
 */
export async function grantCredits(sql: Sql, deps: { ledger: Ledger; clock: Clock }, grant: CreditGrant): Promise<TransferOutcome> {
  if (!Number.isSafeInteger(grant.amountMinor) || grant.amountMinor <= 0) throw new Error('a grant is a positive integer of cents');
  return inTransaction(sql, (tx) => grantInTransaction(tx, deps, grant));
}

async function grantInTransaction(sql: Tx, deps: { ledger: Ledger; clock: Clock }, grant: CreditGrant): Promise<TransferOutcome> {
  await lockLots(sql, grant.orgId);
  const outcome = await deps.ledger.createTransfer(sql, {
    id: grant.transferId,
    debit_account_id: FUNDING_ACCOUNT,
    credit_account_id: orgCreditsAccount(grant.orgId),
    amount: grant.amountMinor,
    ledger: BILLING_LEDGER,
    currency: BILLING_CURRENCY,
    code: BILLING_TRANSFER_CODES.grant,
    metadata: { org_id: grant.orgId, reason: grant.reason.slice(0, 64) },
  });
  if (outcome.result === 'ok') {
    await insertLot(sql, {
      id: grant.transferId,
      orgId: grant.orgId,
      reason: grant.reason,
      grantedMinor: grant.amountMinor,
      currency: BILLING_CURRENCY,
      grantedAtMs: deps.clock.nowMs(),
      expiresAtMs: grant.expiresAtMs ?? null,
    });
    await settleDebt(sql, deps.ledger, grant.orgId, `${grant.transferId}:settle`);
  }
  return outcome;
}

/** Pays what the organization owes out of its credits, as far as they go (one balancing transfer). */
async function settleDebt(sql: Tx, ledger: Ledger, orgId: string, transferId: string): Promise<void> {
  const [debt] = await lookupAccounts(sql, [orgDebtAccount(orgId)]);
  const owed = debt === undefined ? 0 : debt.debits_posted - debt.credits_posted;
  if (owed <= 0) return;
  const outcome = await ledger.createTransfer(sql, {
    id: transferId,
    debit_account_id: orgCreditsAccount(orgId),
    credit_account_id: orgDebtAccount(orgId),
    amount: owed,
    ledger: BILLING_LEDGER,
    currency: BILLING_CURRENCY,
    code: BILLING_TRANSFER_CODES.settle_debt,
    flags: ['balancing_debit'],
    metadata: { org_id: orgId },
  });
  if (outcome.result !== 'ok' && outcome.result !== 'exists') throw new Error(`billing debt settlement ${transferId}: ${outcome.result}`);
  if (outcome.result === 'ok') await takeFromLots(sql, orgId, outcome.transfer?.amount ?? 0);
}

/**
 * Takes credits back after a refund: as much as is left (a balancing
 * transfer), and books the rest as debt, so the balance goes negative
 * instead of the refund failing. Idempotent by `transferId`.
 */
export async function removeCredits(
  sql: Sql,
  deps: { ledger: Ledger },
  removal: CreditGrant & { readonly fromLotId?: string },
): Promise<{ fromCreditsMinor: number; asDebtMinor: number }> {
  if (!Number.isSafeInteger(removal.amountMinor) || removal.amountMinor <= 0) throw new Error('a removal is a positive integer of cents');
  return inTransaction(sql, (tx) => removeInTransaction(tx, deps, removal));
}

/**
 * A refund takes from its own purchase's lot first (as far as it is left),
 * then from the other lots oldest expiry first, then books debt: the money
 * went back, so the same amount of credits leaves, whichever grant they
 * were spent from. (Stripe's credit grants void only what is left of a grant;
 * but a refund here also returns money, so all of it must leave the balance.)
 */
async function removeInTransaction(sql: Tx, deps: { ledger: Ledger }, removal: CreditGrant & { readonly fromLotId?: string }): Promise<{ fromCreditsMinor: number; asDebtMinor: number }> {
  await lockLots(sql, removal.orgId);
  // Organizations created before refunds existed have no debt account yet.
  await ensureBillingAccounts(deps.ledger, sql, removal.orgId);
  const metadata = { org_id: removal.orgId, reason: removal.reason.slice(0, 64) };
  const taken = await deps.ledger.createTransfer(sql, {
    id: removal.transferId,
    debit_account_id: orgCreditsAccount(removal.orgId),
    credit_account_id: FUNDING_ACCOUNT,
    amount: removal.amountMinor,
    ledger: BILLING_LEDGER,
    currency: BILLING_CURRENCY,
    code: BILLING_TRANSFER_CODES.refund,
    flags: ['balancing_debit'],
    metadata,
  });
  const fromCreditsMinor = taken.transfer?.amount ?? 0;
  if (taken.result !== 'ok' && taken.result !== 'exists') {
    throw new Error(`billing credit removal ${removal.transferId}: ${taken.result}`);
  }
  if (taken.result === 'ok') await takeFromLots(sql, removal.orgId, fromCreditsMinor, removal.fromLotId === undefined ? {} : { firstLotId: removal.fromLotId });
  const asDebtMinor = removal.amountMinor - fromCreditsMinor;
  if (asDebtMinor > 0) {
    const debt = await deps.ledger.createTransfer(sql, {
      id: `${removal.transferId}:debt`,
      debit_account_id: orgDebtAccount(removal.orgId),
      credit_account_id: FUNDING_ACCOUNT,
      amount: asDebtMinor,
      ledger: BILLING_LEDGER,
      currency: BILLING_CURRENCY,
      code: BILLING_TRANSFER_CODES.refund_debt,
      metadata,
    });
    if (debt.result !== 'ok' && debt.result !== 'exists') throw new Error(`billing refund debt ${removal.transferId}: ${debt.result}`);
  }
  return { fromCreditsMinor, asDebtMinor };
}

/**
 * Cancels up to `amountMinor` of what the organization owes, when the refund
 * that booked it turned out not to return the money (it failed at the
 * provider). A balancing credit of the debt account: never more than is still
 * owed, so debt a later grant already paid is not cancelled twice (the caller
 * gives that part back as credits). Idempotent by `transferId`. Returns the
 * cents cancelled.
 */
export async function cancelDebt(tx: Tx, deps: { ledger: Ledger }, cancel: { orgId: string; amountMinor: number; reason: string; transferId: string }): Promise<number> {
  if (!Number.isSafeInteger(cancel.amountMinor) || cancel.amountMinor <= 0) throw new Error('a cancellation is a positive integer of cents');
  // Under the lots' lock, as grants settle debt: a settlement reads what is owed before it pays it.
  await lockLots(tx, cancel.orgId);
  await ensureBillingAccounts(deps.ledger, tx, cancel.orgId);
  const outcome = await deps.ledger.createTransfer(tx, {
    id: cancel.transferId,
    debit_account_id: FUNDING_ACCOUNT,
    credit_account_id: orgDebtAccount(cancel.orgId),
    amount: cancel.amountMinor,
    ledger: BILLING_LEDGER,
    currency: BILLING_CURRENCY,
    code: BILLING_TRANSFER_CODES.cancel_debt,
    flags: ['balancing_credit'],
    metadata: { org_id: cancel.orgId, reason: cancel.reason.slice(0, 64) },
  });
  if (outcome.result !== 'ok' && outcome.result !== 'exists') throw new Error(`billing debt cancellation ${cancel.transferId}: ${outcome.result}`);
  return outcome.transfer?.amount ?? 0;
}

/** Books a paid subscription period (money received, earned as subscription revenue). Idempotent by `transferId`. */
export async function bookSubscriptionPayment(sql: Sql, deps: { ledger: Ledger }, payment: { orgId: string; amountMinor: number; transferId: string }): Promise<void> {
  const accounts = await deps.ledger.createAccounts(sql, [
    { id: FUNDING_ACCOUNT, ledger: BILLING_LEDGER, currency: BILLING_CURRENCY, code: ACCOUNT_CODES.funding },
    { id: SUBSCRIPTION_REVENUE_ACCOUNT, ledger: BILLING_LEDGER, currency: BILLING_CURRENCY, code: ACCOUNT_CODES.subscription_revenue },
  ]);
  for (const outcome of accounts) if (outcome.result !== 'ok' && outcome.result !== 'exists') throw new Error(`billing ledger account ${outcome.id}: ${outcome.result}`);
  const outcome = await deps.ledger.createTransfer(sql, {
    id: payment.transferId,
    debit_account_id: FUNDING_ACCOUNT,
    credit_account_id: SUBSCRIPTION_REVENUE_ACCOUNT,
    amount: payment.amountMinor,
    ledger: BILLING_LEDGER,
    currency: BILLING_CURRENCY,
    code: BILLING_TRANSFER_CODES.subscription,
    metadata: { org_id: payment.orgId },
  });
  if (outcome.result !== 'ok' && outcome.result !== 'exists') throw new Error(`subscription payment ${payment.transferId}: ${outcome.result}`);
}

export interface CreditBalance {
  readonly currency: string;
  /**
   * What the organization can still spend, in cents: credits − debits posted
   * − debits still held − debt. Negative after a refund of spent credits.
   */
  readonly available_minor: number;
}

/**
 * The organization's credit balance, or null for an unknown organization.
 * Pending debits count (billing places none yet; a hold past its timeout
 * counts until the sweeper resolves it, which errs on the side of no overspend).
 */
export async function creditBalance(sql: Sql, orgId: string): Promise<CreditBalance | null> {
  const accounts = await lookupAccounts(sql, [orgCreditsAccount(orgId), orgDebtAccount(orgId)]);
  const credits = accounts.find((account) => account.id === orgCreditsAccount(orgId));
  if (credits === undefined) return null;
  const debt = accounts.find((account) => account.id === orgDebtAccount(orgId));
  const owed = debt === undefined ? 0 : debt.debits_posted - debt.credits_posted;
  return { currency: credits.currency, available_minor: credits.credits_posted - credits.debits_posted - credits.debits_pending - owed };
}

/**
 * Expires what is left of one lot past its expiry (a ledger transfer of its
 * own code to the expired-credits account), under the organization's lots'
 * lock: run twice or by two processes, the second finds nothing left. A
 * stream's hold on those credits keeps them until it settles (a balancing
 * debit takes only what is not held); the next run expires the rest.
 * Returns the cents expired.
 */
export async function expireLot(tx: Tx, deps: { ledger: Ledger; clock: Clock }, orgId: string, lotId: string): Promise<number> {
  const nowMs = deps.clock.nowMs();
  const lot = (await lockLots(tx, orgId)).find((candidate) => candidate.id === lotId);
  if (lot === undefined || lot.expiresAtMs === null || lot.expiresAtMs > nowMs) return 0;
  const [credits] = await lookupAccounts(tx, [orgCreditsAccount(orgId)]);
  if (credits === undefined || credits.credits_posted - credits.debits_posted - credits.debits_pending <= 0) return 0;
  const accounts = await deps.ledger.createAccounts(tx, [{ id: EXPIRED_CREDITS_ACCOUNT, ledger: BILLING_LEDGER, currency: BILLING_CURRENCY, code: ACCOUNT_CODES.expired_credits }]);
  for (const outcome of accounts) if (outcome.result !== 'ok' && outcome.result !== 'exists') throw new Error(`billing ledger account ${outcome.id}: ${outcome.result}`);
  const outcome = await deps.ledger.createTransfer(tx, {
    // The time makes a later run (after a hold kept some of it) a transfer of its own.
    id: `bill:expire:${lot.id}:${nowMs}`,
    debit_account_id: orgCreditsAccount(orgId),
    credit_account_id: EXPIRED_CREDITS_ACCOUNT,
    amount: lot.remainingMinor,
    ledger: BILLING_LEDGER,
    currency: BILLING_CURRENCY,
    code: BILLING_TRANSFER_CODES.expiry,
    flags: ['balancing_debit'],
    metadata: { org_id: orgId, lot: lot.id.slice(0, 100) },
  });
  if (outcome.result === 'exists') return 0;
  if (outcome.result !== 'ok') throw new Error(`billing credit expiry ${lot.id}: ${outcome.result}`);
  const taken = outcome.transfer?.amount ?? 0;
  await takeFromLots(tx, orgId, taken, { firstLotId: lot.id, expired: true });
  return taken;
}

/** Expires every lot of the organization that is past its expiry (before a usage debit, so expired credits are never spent). */
export async function expireDueLotsOf(tx: Tx, deps: { ledger: Ledger; clock: Clock }, orgId: string): Promise<number> {
  const nowMs = deps.clock.nowMs();
  let expired = 0;
  for (const lot of await lockLots(tx, orgId)) {
    if (lot.expiresAtMs !== null && lot.expiresAtMs <= nowMs) expired += await expireLot(tx, deps, orgId, lot.id);
  }
  return expired;
}
