import { inTransaction, type Sql } from '../../platform/db/database.ts';
import { IssuerError } from '../errors.ts';

/**
 * Money settings an operator can change while the issuer runs. Each change is
 * a new row (who, when, what), so the history is the table and the current
 * value is the newest row; a setting never changed has its default.
 *
 * Units are in the names. Fees are a percentage in basis points with a floor:
 * fee = max(fee_min, amount × bps / 10 000 rounded half-even). The top-up fee
 * is charged in CNY, out of the amount paid, before conversion (so the quote
 * reads "pay ¥1,000.00, fee ¥10.00, receive $137.50"); the withdrawal fee is
 * charged in USD, out of the amount withdrawn.
 */
export interface MoneySettings {
  /** "7.20" means 1 USD = 7.20 CNY. */
  readonly usd_cny_rate: string;
  readonly top_up_fee_bps: number;
  readonly top_up_fee_min_cny_minor: number;
  readonly top_up_min_cny_minor: number;
  readonly top_up_max_cny_minor: number;
  /** How long a quote can be turned into an order. */
  readonly quote_validity_ms: number;
  /** How long an order waits for payment before the sweep expires it. */
  readonly order_expiry_ms: number;
  readonly withdrawal_fee_bps: number;
  readonly withdrawal_fee_min_usd_minor: number;
  readonly withdrawal_min_usd_minor: number;
  readonly withdrawal_max_usd_minor: number;
  /** 1: a cardholder's dispute is credited at once (provisional credit), reversed if the merchant wins; 0: credited only when won. */
  readonly dispute_provisional_credit: number;
}

export type MoneySettingName = keyof MoneySettings;

export const DEFAULT_MONEY_SETTINGS: MoneySettings = {
  usd_cny_rate: '7.20',
  top_up_fee_bps: 100,
  top_up_fee_min_cny_minor: 100,
  top_up_min_cny_minor: 1_000,
  top_up_max_cny_minor: 5_000_000,
  quote_validity_ms: 15 * 60 * 1000,
  order_expiry_ms: 30 * 60 * 1000,
  withdrawal_fee_bps: 100,
  withdrawal_fee_min_usd_minor: 50,
  withdrawal_min_usd_minor: 100,
  withdrawal_max_usd_minor: 1_000_000,
  dispute_provisional_credit: 1,
};

const MINUTE_MS = 60 * 1000;
// Bounds that catch typos (a fee of 100 % or a rate of 7200) rather than business policy.
const INTEGER_BOUNDS: Record<Exclude<MoneySettingName, 'usd_cny_rate'>, readonly [number, number]> = {
  top_up_fee_bps: [0, 2_000],
  top_up_fee_min_cny_minor: [0, 100_000],
  top_up_min_cny_minor: [1, 100_000_000],
  top_up_max_cny_minor: [1, 100_000_000],
  quote_validity_ms: [MINUTE_MS, 24 * 60 * MINUTE_MS],
  order_expiry_ms: [MINUTE_MS, 24 * 60 * MINUTE_MS],
  withdrawal_fee_bps: [0, 2_000],
  withdrawal_fee_min_usd_minor: [0, 100_000],
  withdrawal_min_usd_minor: [1, 100_000_000],
  withdrawal_max_usd_minor: [1, 100_000_000],
  dispute_provisional_credit: [0, 1],
};
// Up to 6 decimals, between 0.000001 and 999999.999999; `convert` takes the string as is.
const RATE_PATTERN = /^\d{1,6}(?:\.\d{1,6})?$/;
const HISTORY_MAX_LIMIT = 500;
const ACTOR_MAX_CHARS = 128;

export function isMoneySettingName(name: string): name is MoneySettingName {
  return Object.hasOwn(DEFAULT_MONEY_SETTINGS, name);
}

export async function getMoneySettings(sql: Sql): Promise<MoneySettings> {
  const rows = await sql.all<{ name: string; value: string }>(
    `SELECT s.name, s.value FROM issuer_money_settings s
     WHERE s.seq = (SELECT MAX(t.seq) FROM issuer_money_settings t WHERE t.name = s.name)`,
  );
  const settings: Record<string, string | number> = { ...DEFAULT_MONEY_SETTINGS };
  for (const row of rows) {
    if (!isMoneySettingName(row.name)) continue; // a setting from a newer release; ignore
    settings[row.name] = row.name === 'usd_cny_rate' ? row.value : Number(row.value);
  }
  return settings as unknown as MoneySettings;
}

/**
 * Applies an operator's changes: each value is checked alone, then the whole
 * result is checked together (min ≤ max, a fee floor below the smallest
 * amount). Any bad value refuses the whole change with `setting_invalid` and
 * `param` naming the setting. Returns the settings now in force.
 */
export async function updateMoneySettings(
  sql: Sql,
  changes: Readonly<Record<string, unknown>>,
  context: { readonly actor: string; readonly nowMs: number },
): Promise<MoneySettings> {
  if (typeof context.actor !== 'string' || context.actor.length === 0 || context.actor.length > ACTOR_MAX_CHARS) {
    throw new RangeError('a settings change needs the operator who made it');
  }
  const names = Object.keys(changes);
  if (names.length === 0) throw new IssuerError('parameter_missing', 'No setting to change.');
  for (const name of names) {
    if (!isMoneySettingName(name)) throw new IssuerError('setting_invalid', `There is no setting named ${name}.`, { param: name });
    checkValue(name, changes[name]);
  }
  return inTransaction(sql, async (tx) => {
    const current = await getMoneySettings(tx);
    const next = { ...current, ...changes } as MoneySettings;
    checkTogether(next);
    for (const name of names as MoneySettingName[]) {
      if (next[name] === current[name]) continue;
      await tx.run('INSERT INTO issuer_money_settings (name, value, changed_by, changed_at_ms) VALUES (?, ?, ?, ?)', [
        name,
        String(next[name]),
        context.actor,
        context.nowMs,
      ]);
    }
    return next;
  });
}

export interface SettingChange {
  readonly name: MoneySettingName;
  readonly value: string;
  readonly changed_by: string;
  readonly changed_at_ms: number;
}

/** Newest first. */
export async function listMoneySettingHistory(sql: Sql, options: { name?: MoneySettingName; limit?: number } = {}): Promise<SettingChange[]> {
  const limit = Math.min(Math.max(1, options.limit ?? 100), HISTORY_MAX_LIMIT);
  const rows = options.name
    ? await sql.all<SettingChange>(
        'SELECT name, value, changed_by, changed_at_ms FROM issuer_money_settings WHERE name = ? ORDER BY seq DESC LIMIT ?',
        [options.name, limit],
      )
    : await sql.all<SettingChange>('SELECT name, value, changed_by, changed_at_ms FROM issuer_money_settings ORDER BY seq DESC LIMIT ?', [limit]);
  return rows.map((row) => ({ ...row, changed_at_ms: Number(row.changed_at_ms) }));
}

function checkValue(name: MoneySettingName, value: unknown): void {
  if (name === 'usd_cny_rate') {
    if (typeof value !== 'string' || !RATE_PATTERN.test(value) || !/[1-9]/.test(value)) {
      throw new IssuerError('setting_invalid', 'The rate is a positive decimal string such as "7.20" (1 USD = 7.20 CNY), at most 6 decimals.', {
        param: name,
      });
    }
    return;
  }
  const [min, max] = INTEGER_BOUNDS[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new IssuerError('setting_invalid', `${name} must be a whole number from ${min} to ${max}.`, { param: name });
  }
}

function checkTogether(s: MoneySettings): void {
  if (s.top_up_min_cny_minor > s.top_up_max_cny_minor) {
    throw new IssuerError('setting_invalid', 'The minimum top-up must not exceed the maximum.', { param: 'top_up_min_cny_minor' });
  }
  if (s.top_up_fee_min_cny_minor >= s.top_up_min_cny_minor) {
    throw new IssuerError('setting_invalid', 'The minimum top-up fee must be below the minimum top-up.', { param: 'top_up_fee_min_cny_minor' });
  }
  if (s.withdrawal_min_usd_minor > s.withdrawal_max_usd_minor) {
    throw new IssuerError('setting_invalid', 'The minimum withdrawal must not exceed the maximum.', { param: 'withdrawal_min_usd_minor' });
  }
  if (s.withdrawal_fee_min_usd_minor >= s.withdrawal_min_usd_minor) {
    throw new IssuerError('setting_invalid', 'The minimum withdrawal fee must be below the minimum withdrawal.', {
      param: 'withdrawal_fee_min_usd_minor',
    });
  }
}
