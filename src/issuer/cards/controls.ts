import { countryCodeProblem, isCountryCode } from '../../platform/countries.ts';

/**
 * A card's spending controls, as the authorization engine will read them
 * (the network issue enforces them; this module only validates and stores).
 *
 * - Limits are USD cents, null = no limit. When several are set they must
 *   nest: per transaction ≤ per day ≤ per month (a per-day limit below the
 *   per-transaction one would silently be the real per-transaction limit).
 * - MCC lists hold 4-digit merchant category codes; country lists ISO 3166-1
 *   alpha-2 codes of the merchant's country. An empty allow-list allows
 *   everything; a block-list always wins. A code may not be in both lists of
 *   a pair (that would be a mistake, not a rule).
 * - `maxAccountsPerMerchant`: at most N distinct merchant customer accounts
 *   per merchant may use this card (the seed's "one card pays for 4 ChatGPT
 *   accounts"); 1–20, default 4.
 */

export interface SpendingLimits {
  readonly perTransactionUsdMinor: number | null;
  readonly perDayUsdMinor: number | null;
  readonly perMonthUsdMinor: number | null;
}

export interface CardControls {
  readonly limits: SpendingLimits;
  readonly mccAllow: readonly string[];
  readonly mccBlock: readonly string[];
  readonly countryAllow: readonly string[];
  readonly countryBlock: readonly string[];
  readonly maxAccountsPerMerchant: number;
}

export const DEFAULT_MAX_ACCOUNTS_PER_MERCHANT = 4;
export const MAX_ACCOUNTS_PER_MERCHANT_RANGE = { min: 1, max: 20 } as const;
/** $1,000,000: far above any virtual-card spend, low enough that sums never near 2^53. */
export const LIMIT_MAX_USD_MINOR = 100_000_000;
/** There are fewer than 1,000 MCCs and 249 countries; a longer list is a client bug. */
export const LIST_MAX_ENTRIES = 300;

export const DEFAULT_CONTROLS: CardControls = {
  limits: { perTransactionUsdMinor: null, perDayUsdMinor: null, perMonthUsdMinor: null },
  mccAllow: [],
  mccBlock: [],
  countryAllow: [],
  countryBlock: [],
  maxAccountsPerMerchant: DEFAULT_MAX_ACCOUNTS_PER_MERCHANT,
};

export type ControlsResult =
  | { readonly ok: true; readonly controls: CardControls }
  | { readonly ok: false; readonly param: string; readonly message: string };

const PATCH_FIELDS = ['spending_limits', 'mcc_allow', 'mcc_block', 'country_allow', 'country_block', 'max_accounts_per_merchant'];
const LIMIT_FIELDS = { per_transaction: 'perTransactionUsdMinor', per_day: 'perDayUsdMinor', per_month: 'perMonthUsdMinor' } as const;

/**
 * Applies a PATCH body (API field names, every field optional) to `current`
 * and validates the result as a whole. Lists are upper-cased (countries),
 * de-duplicated and sorted, so equal controls are stored equally.
 */
export function applyControlsPatch(current: CardControls, patch: unknown): ControlsResult {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return refuse('controls', 'The body is an object of controls to change.');
  const body = patch as Record<string, unknown>;
  for (const field of Object.keys(body)) if (!PATCH_FIELDS.includes(field)) return refuse(field, `Unknown control ${field}.`);
  if (Object.keys(body).length === 0) return refuse('controls', `Name at least one of ${PATCH_FIELDS.join(', ')}.`);

  const limits: { -readonly [K in keyof SpendingLimits]: number | null } = { ...current.limits };
  if (body.spending_limits !== undefined) {
    const given = body.spending_limits;
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      return refuse('spending_limits', 'spending_limits is an object with per_transaction, per_day and per_month (USD cents, or null for none).');
    }
    for (const [name, value] of Object.entries(given)) {
      if (!Object.hasOwn(LIMIT_FIELDS, name)) return refuse(`spending_limits[${name}]`, `Unknown limit ${name}.`);
      if (value !== null && (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > LIMIT_MAX_USD_MINOR)) {
        return refuse(`spending_limits[${name}]`, `A limit is a whole number of USD cents from 1 to ${LIMIT_MAX_USD_MINOR}, or null for none.`);
      }
      limits[LIMIT_FIELDS[name as keyof typeof LIMIT_FIELDS]] = value as number | null;
    }
    const ordered: Array<[string, number | null]> = [
      ['per_transaction', limits.perTransactionUsdMinor],
      ['per_day', limits.perDayUsdMinor],
      ['per_month', limits.perMonthUsdMinor],
    ];
    const set = ordered.filter((entry): entry is [string, number] => entry[1] !== null);
    for (let i = 1; i < set.length; i++) {
      if (set[i]![1] < set[i - 1]![1]) {
        return refuse(`spending_limits[${set[i]![0]}]`, `The ${set[i]![0]} limit must not be below the ${set[i - 1]![0]} limit.`);
      }
    }
  }

  const mccAllow = list(body, 'mcc_allow', current.mccAllow, mcc);
  if (!mccAllow.ok) return mccAllow;
  const mccBlock = list(body, 'mcc_block', current.mccBlock, mcc);
  if (!mccBlock.ok) return mccBlock;
  const countryAllow = list(body, 'country_allow', current.countryAllow, country);
  if (!countryAllow.ok) return countryAllow;
  const countryBlock = list(body, 'country_block', current.countryBlock, country);
  if (!countryBlock.ok) return countryBlock;
  const mccBoth = mccAllow.values.find((code) => mccBlock.values.includes(code));
  if (mccBoth !== undefined) return refuse('mcc_block', `MCC ${mccBoth} cannot be both allowed and blocked.`);
  const countryBoth = countryAllow.values.find((code) => countryBlock.values.includes(code));
  if (countryBoth !== undefined) return refuse('country_block', `Country ${countryBoth} cannot be both allowed and blocked.`);

  let maxAccounts = current.maxAccountsPerMerchant;
  if (body.max_accounts_per_merchant !== undefined) {
    const value = body.max_accounts_per_merchant;
    const { min, max } = MAX_ACCOUNTS_PER_MERCHANT_RANGE;
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
      return refuse('max_accounts_per_merchant', `max_accounts_per_merchant is a whole number from ${min} to ${max}.`);
    }
    maxAccounts = value as number;
  }
  return {
    ok: true,
    controls: {
      limits,
      mccAllow: mccAllow.values,
      mccBlock: mccBlock.values,
      countryAllow: countryAllow.values,
      countryBlock: countryBlock.values,
      maxAccountsPerMerchant: maxAccounts,
    },
  };
}

type Normalizer = (raw: unknown) => string | undefined;

const mcc: Normalizer = (raw) => (typeof raw === 'string' && /^\d{4}$/.test(raw) ? raw : undefined);
const country: Normalizer = (raw) => {
  if (typeof raw !== 'string') return undefined;
  const code = raw.trim().toUpperCase();
  return isCountryCode(code) ? code : undefined;
};

function list(
  body: Record<string, unknown>,
  field: string,
  current: readonly string[],
  normalize: Normalizer,
): { ok: true; values: readonly string[] } | { ok: false; param: string; message: string } {
  const given = body[field];
  if (given === undefined) return { ok: true, values: current };
  const what = normalize === mcc ? 'four-digit merchant category codes such as "5734"' : 'two-letter ISO 3166-1 country codes such as "US"';
  if (!Array.isArray(given)) return refuse(field, `${field} is an array of ${what}.`);
  if (given.length > LIST_MAX_ENTRIES) return refuse(field, `${field} holds at most ${LIST_MAX_ENTRIES} entries.`);
  const values = new Set<string>();
  for (const [i, raw] of given.entries()) {
    const value = normalize(raw);
    if (value === undefined) {
      const why = normalize === country ? countryCodeProblem(raw) : `${JSON.stringify(raw)} is not valid.`;
      return refuse(`${field}[${i}]`, `${why} ${field} is an array of ${what}.`);
    }
    values.add(value);
  }
  return { ok: true, values: [...values].sort() };
}

function refuse(param: string, message: string): { ok: false; param: string; message: string } {
  return { ok: false, param, message };
}

/**
 * The decision the authorization engine will make from the controls alone
 * (limits and the per-merchant account rule need history, so they stay with
 * the engine). Here so the rule has one definition next to its validation.
 */
export function merchantAllowed(controls: CardControls, merchant: { readonly mcc: string; readonly country: string }): 'ok' | 'mcc_blocked' | 'country_blocked' {
  if (controls.mccBlock.includes(merchant.mcc)) return 'mcc_blocked';
  if (controls.mccAllow.length > 0 && !controls.mccAllow.includes(merchant.mcc)) return 'mcc_blocked';
  const countryCode = merchant.country.toUpperCase();
  if (controls.countryBlock.includes(countryCode)) return 'country_blocked';
  if (controls.countryAllow.length > 0 && !controls.countryAllow.includes(countryCode)) return 'country_blocked';
  return 'ok';
}
