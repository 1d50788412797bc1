import { known, type MessageKey, type Translate } from './i18n.ts';
import type { StatementLine, WalletEntry } from './types.ts';

/**
 * How the app words what the API hands it as keys: a refused field, a
 * movement's type. Kept apart from the screens so each rule can be tested
 * without a browser.
 */

/** The API's names for the same field a person typed (`cny_amount` is the top-up's amount). */
const PARAM_ALIASES: Readonly<Record<string, string>> = { cny_amount: 'amount' };

/** What to say when the API refuses a field (`parameter_invalid`/`parameter_missing` with `param`): the field's own sentence, else a general one. */
export function paramErrorKey(param: string | null): MessageKey {
  if (param === null) return 'err_parameter_invalid';
  return known('param_', PARAM_ALIASES[param] ?? param) ?? 'err_parameter_invalid';
}

/** A movement's name: the table's label for its type; a type the app does not know yet reads as a generic label, never as the raw key. */
export function lineLabel(t: Translate, type: string): string {
  return t(known('line_', type) ?? 'line_other');
}

/**
 * A wallet movement's name. Card moves, the opening fee, a closed card's
 * refunds and its dispute credits all come as `type: 'transfer'`;
 * `transfer_kind` says which, and the card's last four digits say which
 * card. A kind the app does not know yet (or none) reads as the type's label.
 */
export function walletLineLabel(t: Translate, entry: Pick<WalletEntry, 'type' | 'transfer_kind' | 'card'>): string {
  const kind = entry.transfer_kind ?? null;
  if (entry.type === 'transfer' && kind !== null) {
    const last4 = entry.card?.last4 ?? null;
    const key = known('wallet_', last4 === null ? `${kind}_unnamed` : kind);
    if (key !== null) return last4 === null ? t(key) : t(key, { last4 });
  }
  return lineLabel(t, entry.type);
}

/**
 * A card statement as a bank app shows it: one line per payment. The API
 * lists a payment's authorization (its status moves pending → settled) and,
 * apart, each clearing of it; shown together they read as the same money
 * taken twice. A clearing is left out when its payment's line is on the
 * same page and the clearings do not go beyond what that payment (with its
 * increments) held — so the lines shown still add up to what moved. A
 * clearing whose payment is not on the page, or that took more than was
 * held, stays visible.
 */
export function foldClearings(lines: readonly StatementLine[]): readonly StatementLine[] {
  const held = new Map<string, number>();
  const cleared = new Map<string, number>();
  for (const line of lines) {
    if (line.authorization === null) continue;
    if (line.type === 'authorization' || line.type === 'incremental_authorization') held.set(line.authorization, (held.get(line.authorization) ?? 0) - line.amount);
    if (line.type === 'clearing') cleared.set(line.authorization, (cleared.get(line.authorization) ?? 0) - line.amount);
  }
  const payments = new Set(lines.filter((l) => l.type === 'authorization' && l.authorization !== null).map((l) => l.authorization!));
  return lines.filter((line) => {
    if (line.type !== 'clearing' || line.authorization === null || !payments.has(line.authorization)) return true;
    return (cleared.get(line.authorization) ?? 0) > (held.get(line.authorization) ?? 0);
  });
}
