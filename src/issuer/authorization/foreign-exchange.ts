import type { Tx } from '../../platform/db/database.ts';
import { convert, divideHalfEven } from '../../platform/fx.ts';
import { isCurrencyCode, money } from '../../platform/money.ts';

/**
 * Payments in other currencies on a USD card (issue 16). The issuer bills a
 * foreign payment in USD at a configured rate plus a cross-border fee:
 *
 *   billed(p) = convert(p → USD at the rate) + fee,   fee = converted × bps / 10 000
 *
 * Rounding: both steps round to the cent half to even — the platform's one
 * conversion (platform/fx.ts) — so neither the cardholder nor the issuer is
 * favoured over many payments, and the fee is a separate figure, never
 * hidden in a rounding. JPY (no decimals) and GBP/EUR (two) are handled by
 * the currency table's minor units.
 *
 * Round trips. An authorization keeps its terms (rate and fee) for its
 * whole life: captures, reversals, refunds and increases use the rate of
 * the authorization, never a newer one. Every follow-up moves the
 * difference of `billed` over the authorization's running presentment
 * totals (`billed(after) − billed(before)`), so any split of captures and
 * reversals adds up to exactly the USD held; refunds do the same over what
 * was refunded, capped by what was cleared, and the refund that returns
 * the last cleared unit returns the last cleared cent. So no order of
 * messages creates or loses a cent (test/issuer/authorization/foreign-currency.property.test.ts).
 */

/** The issuer's exchange settings: USD for one unit of each foreign currency, and the cross-border fee. */
export interface IssuerFx {
  /** `{ GBP: "1.27" }`: 1 GBP = 1.27 USD. A decimal string, never a float. Currencies without a rate are declined 57. */
  readonly ratesToUsd: Readonly<Record<string, string>>;
  /** Charged on the converted amount of a foreign payment, in basis points (100 = 1 %). */
  readonly crossBorderFeeBps: number;
}

/** No foreign currency at all: what an issuer built without settings does (USD cards pay USD only). */
export const USD_ONLY: IssuerFx = { ratesToUsd: {}, crossBorderFeeBps: 0 };

/** The terms an authorization in a foreign currency was approved on. */
export interface FxTerms {
  readonly currency: string;
  /** USD per unit of `currency`. */
  readonly rate: string;
  readonly feeBps: number;
}

export interface Billed {
  readonly convertedUsdMinor: number;
  readonly feeUsdMinor: number;
  /** converted + fee: what the card pays (and is held). */
  readonly usdMinor: number;
}

/** The terms for a payment in `currency`; null for USD (nothing to convert) and for a currency without a rate. */
export function fxTermsFor(currency: string, fx: IssuerFx): FxTerms | null {
  if (currency === 'USD' || !isCurrencyCode(currency) || !Object.hasOwn(fx.ratesToUsd, currency)) return null;
  return { currency, rate: fx.ratesToUsd[currency]!, feeBps: fx.crossBorderFeeBps };
}

/** What `presentmentMinor` of the terms' currency costs in USD cents, fee included. */
export function billed(presentmentMinor: number, terms: FxTerms): Billed {
  const converted = convert(money(presentmentMinor, terms.currency), 'USD', { base: terms.currency, quote: 'USD', value: terms.rate }).amount_minor;
  const fee = Number(divideHalfEven(BigInt(converted) * BigInt(terms.feeBps), 10_000n));
  return { convertedUsdMinor: converted, feeUsdMinor: fee, usdMinor: converted + fee };
}

/** The USD a step from `beforeMinor` to `afterMinor` (running presentment totals) moves: ≥ 0, as `billed` never decreases. */
export function usdBetween(beforeMinor: number, afterMinor: number, terms: FxTerms): number {
  return billed(afterMinor, terms).usdMinor - billed(beforeMinor, terms).usdMinor;
}

/** A foreign authorization's terms and running presentment totals (table issuer_authorization_fx). */
export interface FxRecord extends FxTerms {
  readonly authorizationId: string;
  /** Approved so far, increases included. */
  readonly approvedMinor: number;
  /** Cleared or released (reversals, the rest of a final clearing): no longer held. */
  readonly consumedMinor: number;
  readonly clearedMinor: number;
  readonly refundedMinor: number;
}

interface FxRow {
  authorization_id: string;
  currency: string;
  rate: string;
  fee_bps: number;
  approved_minor: number;
  consumed_minor: number;
  cleared_minor: number;
  refunded_minor: number;
}

export async function insertFxRecords(tx: Tx, records: readonly FxRecord[], nowMs: number): Promise<void> {
  for (const r of records) {
    await tx.run(
      `INSERT INTO issuer_authorization_fx (authorization_id, currency, rate, fee_bps, approved_minor, consumed_minor, cleared_minor, refunded_minor, created_at_ms, updated_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [r.authorizationId, r.currency, r.rate, r.feeBps, r.approvedMinor, r.consumedMinor, r.clearedMinor, r.refundedMinor, nowMs, nowMs],
    );
  }
}

export async function fxRecordOf(tx: Tx, authorizationId: string): Promise<FxRecord | undefined> {
  const row = await tx.get<FxRow>(
    'SELECT authorization_id, currency, rate, fee_bps, approved_minor, consumed_minor, cleared_minor, refunded_minor FROM issuer_authorization_fx WHERE authorization_id = ?',
    [authorizationId],
  );
  if (row === undefined) return undefined;
  return {
    authorizationId: row.authorization_id,
    currency: row.currency,
    rate: row.rate,
    feeBps: Number(row.fee_bps),
    approvedMinor: Number(row.approved_minor),
    consumedMinor: Number(row.consumed_minor),
    clearedMinor: Number(row.cleared_minor),
    refundedMinor: Number(row.refunded_minor),
  };
}

export async function saveFxRecord(tx: Tx, r: FxRecord, nowMs: number): Promise<void> {
  await tx.run(
    'UPDATE issuer_authorization_fx SET approved_minor = ?, consumed_minor = ?, cleared_minor = ?, refunded_minor = ?, updated_at_ms = ? WHERE authorization_id = ?',
    [r.approvedMinor, r.consumedMinor, r.clearedMinor, r.refundedMinor, nowMs, r.authorizationId],
  );
}
