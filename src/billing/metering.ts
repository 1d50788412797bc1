import type { Database, Sql } from '../platform/db/database.ts';
import { cryptoRandom, IdGenerator } from '../platform/ids.ts';
import type { BillingDeps } from './billing-deps.ts';
import { gateUsage, sendBudgetAlerts } from './budgets/budgets.ts';
import { takeFromLots } from './credit-lots/credit-lots.ts';
import { BILLING_CURRENCY, BILLING_LEDGER, BILLING_TRANSFER_CODES, creditBalance, expireDueLotsOf, orgCreditsAccount, USAGE_REVENUE_ACCOUNT } from './billing-ledger.ts';
import { DEFAULT_PRICE_BOOK, MINIMUM_CHARGE_MINOR, priceUsage } from './price-book.ts';
import { defaultProjectId } from './usage/projects.ts';

/**
 * The metering API: records one usage event, prices it and debits the
 * organization's credits, in one transaction. The floor is the ledger's
 * (`debits_must_not_exceed_credits`), so concurrent requests can never take
 * a balance below zero: the one that would is refused (`exceeds_credits`)
 * and nothing of it is recorded. Unlike OpenAI, whose cut-off lags, there is
 * no overspend.
 *
 * Idempotent per (organization, usage-event id): a replay answers the first
 * result; the same id with other fields is refused.
 */

export interface UsageInput {
  readonly orgId: string;
  /** Chosen by the caller (e.g. the completion id); 1–100 of [A-Za-z0-9_.:-]. */
  readonly usageEventId: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The API key that made the request and its project, for the usage breakdown; absent for usage not made through a key. */
  readonly apiKeyId?: string | null;
  readonly projectId?: string | null;
}

export interface UsageRecord {
  readonly orgId: string;
  readonly usageEventId: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly amountMinor: number;
  readonly currency: string;
  readonly createdAtMs: number;
}

/** Refused by the organization's monthly budget with its hard limit on (budgets.ts). */
export interface BudgetRefusal {
  readonly result: 'budget_exceeded';
  readonly budgetMinor: number;
  readonly currency: string;
  readonly resetsAtMs: number;
}

export type UsageOutcome =
  | { readonly result: 'recorded' | 'replayed'; readonly usage: UsageRecord }
  | BudgetRefusal
  | { readonly result: 'insufficient_quota' | 'model_not_found' | 'organization_not_found' | 'usage_event_conflict' | 'invalid_usage' };

const USAGE_EVENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/** Raised inside the transaction only to roll it back; never escapes recordUsage. */
class Refused extends Error {
  constructor(readonly result: 'insufficient_quota') {
    super(result);
  }
}

/**
 * `hold`: the usage settles a hold placed by `reserveUsage` instead of
 * debiting afresh — the hold is posted for the event's price (at most what
 * it reserved; the rest is released), or voided when the event costs nothing.
 */
export async function recordUsage(
  db: Database,
  deps: Pick<BillingDeps, 'clock' | 'ledger' | 'priceBook'> & { readonly ids?: IdGenerator },
  input: UsageInput,
  options: { readonly hold?: UsageHold } = {},
): Promise<UsageOutcome> {
  if (!USAGE_EVENT_ID_PATTERN.test(input.usageEventId) || typeof input.orgId !== 'string' || typeof input.model !== 'string') return { result: 'invalid_usage' };
  for (const count of [input.inputTokens, input.outputTokens]) {
    if (!Number.isSafeInteger(count) || count < 0) return { result: 'invalid_usage' };
  }
  try {
    return await db.transaction(async (tx): Promise<UsageOutcome> => {
      const existing = await readUsage(tx, input.orgId, input.usageEventId);
      if (existing !== null) return sameEvent(existing, input) ? { result: 'replayed', usage: existing } : { result: 'usage_event_conflict' };
      const price = priceUsage(deps.priceBook ?? DEFAULT_PRICE_BOOK, input);
      if (price === null) return { result: 'model_not_found' };
      if ((await creditBalance(tx, input.orgId)) === null) return { result: 'organization_not_found' };
      const usage: UsageRecord = {
        orgId: input.orgId,
        usageEventId: input.usageEventId,
        model: input.model,
        inputTokens: input.inputTokens,
        outputTokens: input.outputTokens,
        amountMinor: price.amount_minor,
        currency: price.currency,
        createdAtMs: deps.clock.nowMs(),
      };
      // A stream's usage was judged when its hold was placed: settling it is never refused.
      if (options.hold === undefined) {
        const gate = await gateUsage(tx, { clock: deps.clock, ids: deps.ids ?? new IdGenerator(deps.clock, cryptoRandom) }, input.orgId, usage.amountMinor);
        if (gate.result === 'budget_exceeded') return gate;
      }
      // Credits past their expiry go before anything is spent (and the lots are locked before the ledger is touched).
      await expireDueLotsOf(tx, deps, input.orgId);
      const transferId = usage.amountMinor > 0 ? `bill:usage:${input.orgId}:${input.usageEventId}` : null;
      // The row first: it claims the (org, event) pair, so a concurrent
      // duplicate waits here and then sees the first one's row.
      const claimed = await tx.run(
        `INSERT INTO billing_usage_events (org_id, usage_event_id, model, input_tokens, output_tokens, amount_minor, currency, transfer_id, created_at_ms, api_key_id, project_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, usage_event_id) DO NOTHING`,
        [
          usage.orgId,
          usage.usageEventId,
          usage.model,
          usage.inputTokens,
          usage.outputTokens,
          usage.amountMinor,
          usage.currency,
          transferId,
          usage.createdAtMs,
          input.apiKeyId ?? null,
          input.projectId ?? defaultProjectId(input.orgId),
        ],
      );
      if (claimed === 0) {
        const first = await readUsage(tx, input.orgId, input.usageEventId);
        if (first === null) throw new Error('usage event claimed but not readable');
        return sameEvent(first, input) ? { result: 'replayed', usage: first } : { result: 'usage_event_conflict' };
      }
      const hold = options.hold;
      if (hold !== undefined) {
        if (usage.amountMinor > hold.amountMinor) throw new Error(`usage ${input.usageEventId} costs more than its hold ${hold.holdId}`);
        const outcome = await deps.ledger.createTransfer(tx, {
          id: transferId ?? `${hold.holdId}:void`,
          pending_id: hold.holdId,
          ...(transferId !== null ? { amount: usage.amountMinor } : {}),
          code: BILLING_TRANSFER_CODES.usage,
          flags: [transferId !== null ? 'post_pending_transfer' : 'void_pending_transfer'],
          metadata: { org_id: input.orgId, usage_event_id: input.usageEventId, model: input.model },
        });
        if (outcome.result !== 'ok') throw new Error(`billing usage hold ${hold.holdId}: ${outcome.result}`);
      } else if (transferId !== null) {
        const outcome = await deps.ledger.createTransfer(tx, {
          id: transferId,
          debit_account_id: orgCreditsAccount(input.orgId),
          credit_account_id: USAGE_REVENUE_ACCOUNT,
          amount: usage.amountMinor,
          ledger: BILLING_LEDGER,
          currency: BILLING_CURRENCY,
          code: BILLING_TRANSFER_CODES.usage,
          metadata: { org_id: input.orgId, usage_event_id: input.usageEventId, model: input.model },
        });
        if (outcome.result === 'exceeds_credits') throw new Refused('insufficient_quota');
        if (outcome.result !== 'ok') throw new Error(`billing usage transfer ${transferId}: ${outcome.result}`);
      }
      // What was spent leaves the credit lots too, oldest expiry first.
      if (transferId !== null) await takeFromLots(tx, input.orgId, usage.amountMinor);
      if (usage.amountMinor > 0) await sendBudgetAlerts(tx, { clock: deps.clock, ids: deps.ids ?? new IdGenerator(deps.clock, cryptoRandom) }, input.orgId);
      return { result: 'recorded', usage };
    });
  } catch (error) {
    if (error instanceof Refused) return { result: error.result };
    throw error;
  }
}

/** A hold on an organization's credits for usage still being produced (a stream). */
export interface UsageHold {
  readonly holdId: string;
  readonly amountMinor: number;
}

// A hold whose settlement never came (the process died mid-stream) stops holding credits after this.
export const USAGE_HOLD_TIMEOUT_MS = 10 * 60_000;

export type ReserveOutcome =
  | { readonly result: 'reserved'; readonly hold: UsageHold }
  | BudgetRefusal
  | { readonly result: 'insufficient_quota' | 'model_not_found' | 'organization_not_found' | 'invalid_usage' };

/**
 * Reserves, as a pending debit, what usage of at most these tokens can cost
 * (a stream: the prompt and its longest possible reply), before any of it is
 * produced. The ledger's floor counts pending debits, so concurrent holds and
 * debits can never together take the balance below zero; a reservation that
 * would is refused (`insufficient_quota`). `recordUsage(…, { hold })` then
 * charges what was actually produced and releases the rest.
 */
export async function reserveUsage(db: Database, deps: Pick<BillingDeps, 'clock' | 'ledger' | 'priceBook'> & { readonly ids?: IdGenerator }, input: UsageInput): Promise<ReserveOutcome> {
  if (!USAGE_EVENT_ID_PATTERN.test(input.usageEventId) || typeof input.orgId !== 'string' || typeof input.model !== 'string') return { result: 'invalid_usage' };
  for (const count of [input.inputTokens, input.outputTokens]) {
    if (!Number.isSafeInteger(count) || count < 0) return { result: 'invalid_usage' };
  }
  const price = priceUsage(deps.priceBook ?? DEFAULT_PRICE_BOOK, input);
  if (price === null) return { result: 'model_not_found' };
  // A hold of nothing would be refused by the ledger; keep one cent so settlement is uniform.
  const amountMinor = Math.max(price.amount_minor, MINIMUM_CHARGE_MINOR);
  const holdId = `bill:hold:${input.orgId}:${input.usageEventId}`;
  return db.transaction(async (tx): Promise<ReserveOutcome> => {
    if ((await creditBalance(tx, input.orgId)) === null) return { result: 'organization_not_found' };
    const gate = await gateUsage(tx, { clock: deps.clock, ids: deps.ids ?? new IdGenerator(deps.clock, cryptoRandom) }, input.orgId, amountMinor);
    if (gate.result === 'budget_exceeded') return gate;
    // Expired credits cannot be reserved.
    await expireDueLotsOf(tx, deps, input.orgId);
    const outcome = await deps.ledger.createTransfer(tx, {
      id: holdId,
      debit_account_id: orgCreditsAccount(input.orgId),
      credit_account_id: USAGE_REVENUE_ACCOUNT,
      amount: amountMinor,
      ledger: BILLING_LEDGER,
      currency: BILLING_CURRENCY,
      code: BILLING_TRANSFER_CODES.usage,
      flags: ['pending'],
      timeout_ms: USAGE_HOLD_TIMEOUT_MS,
      metadata: { org_id: input.orgId, usage_event_id: input.usageEventId, model: input.model },
    });
    if (outcome.result === 'exceeds_credits') return { result: 'insufficient_quota' };
    if (outcome.result !== 'ok') throw new Error(`billing usage hold ${holdId}: ${outcome.result}`);
    return { result: 'reserved', hold: { holdId, amountMinor } };
  });
}

/**
 * The pre-check before doing work: can the organization pay for the least
 * a request costs? Advisory only (the debit itself is what guarantees no
 * overspend); it saves computing a reply that could not be paid for.
 */
export async function canAffordMinimum(sql: Sql, orgId: string): Promise<boolean> {
  const balance = await creditBalance(sql, orgId);
  return balance !== null && balance.available_minor >= MINIMUM_CHARGE_MINOR;
}

function sameEvent(usage: UsageRecord, input: UsageInput): boolean {
  return usage.model === input.model && usage.inputTokens === input.inputTokens && usage.outputTokens === input.outputTokens;
}

interface UsageRow {
  org_id: string;
  usage_event_id: string;
  model: string;
  input_tokens: number | string;
  output_tokens: number | string;
  amount_minor: number | string;
  currency: string;
  created_at_ms: number | string;
}

export async function readUsage(sql: Sql, orgId: string, usageEventId: string): Promise<UsageRecord | null> {
  const row = await sql.get<UsageRow>(
    `SELECT org_id, usage_event_id, model, input_tokens, output_tokens, amount_minor, currency, created_at_ms
     FROM billing_usage_events WHERE org_id = ? AND usage_event_id = ?`,
    [orgId, usageEventId],
  );
  if (row === undefined) return null;
  return {
    orgId: row.org_id,
    usageEventId: row.usage_event_id,
    model: row.model,
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    createdAtMs: Number(row.created_at_ms),
  };
}
