/**
 * Money is an integer number of the currency's minor unit, always with its
 * currency, never a float. Amounts are JavaScript numbers that must be safe
 * integers (|n| ≤ 2^53−1, about 90 trillion dollars in cents); every boundary
 * checks that, and the ledger refuses sums that would leave that range.
 */
export interface Money {
  readonly amount_minor: number;
  readonly currency: CurrencyCode;
}

export type CurrencyCode = string & { readonly __currency: true };

export interface Currency {
  readonly code: CurrencyCode;
  /** Digits after the decimal point of the minor unit (ISO 4217 "E"). */
  readonly exponent: number;
  readonly symbol: string;
}

const TABLE: ReadonlyArray<[code: string, exponent: number, symbol: string]> = [
  ['USD', 2, '$'],
  ['CNY', 2, '¥'],
  ['EUR', 2, '€'],
  ['GBP', 2, '£'],
  ['HKD', 2, 'HK$'],
  ['SGD', 2, 'S$'],
  ['CAD', 2, 'CA$'],
  ['AUD', 2, 'A$'],
  ['CHF', 2, 'CHF '],
  ['INR', 2, '₹'],
  ['JPY', 0, '¥'],
  ['KRW', 0, '₩'],
  ['VND', 0, '₫'],
  ['BHD', 3, 'BD '],
  ['KWD', 3, 'KD '],
];

const CURRENCIES: ReadonlyMap<string, Currency> = new Map(
  TABLE.map(([code, exponent, symbol]) => [code, { code: code as CurrencyCode, exponent, symbol }]),
);

export function isCurrencyCode(code: unknown): code is CurrencyCode {
  return typeof code === 'string' && CURRENCIES.has(code);
}

export function currency(code: string): Currency {
  const found = CURRENCIES.get(code.toUpperCase());
  if (!found) throw new MoneyError('currency_unknown', `unknown currency: ${code}`);
  return found;
}

export function knownCurrencies(): Currency[] {
  return [...CURRENCIES.values()];
}

export class MoneyError extends Error {
  constructor(
    readonly code: 'currency_unknown' | 'amount_invalid' | 'amount_out_of_range' | 'currency_mismatch' | 'rate_invalid',
    message: string,
  ) {
    super(message);
    this.name = 'MoneyError';
  }
}

export function isMinorAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

export function money(amount_minor: number, code: string): Money {
  if (!isMinorAmount(amount_minor)) {
    throw new MoneyError('amount_invalid', `amount must be a safe integer of minor units, got ${amount_minor}`);
  }
  return { amount_minor, currency: currency(code).code };
}

/** Adds two amounts of one currency; refuses to leave the safe-integer range. */
export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new MoneyError('currency_mismatch', `${a.currency} + ${b.currency}`);
  const sum = a.amount_minor + b.amount_minor;
  if (!Number.isSafeInteger(sum)) throw new MoneyError('amount_out_of_range', 'sum leaves the safe integer range');
  return { amount_minor: sum, currency: a.currency };
}

/**
 * Parses a decimal string a person typed ("12.5", "1,000.00", "-3") into minor
 * units, without floating point. More fraction digits than the currency has
 * is an error rather than a silent rounding.
 */
export function parseMoney(text: string, code: string): Money {
  const cur = currency(code);
  const cleaned = text.trim().replace(/,/g, '');
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(cleaned);
  if (!match) throw new MoneyError('amount_invalid', `not an amount: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > cur.exponent) {
    throw new MoneyError('amount_invalid', `${cur.code} has ${cur.exponent} decimal places, got ${JSON.stringify(text)}`);
  }
  const minor = BigInt(whole!) * 10n ** BigInt(cur.exponent) + BigInt(fraction.padEnd(cur.exponent, '0') || '0');
  const signed = sign ? -minor : minor;
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MoneyError('amount_out_of_range', `amount too large: ${text}`);
  }
  return { amount_minor: Number(signed), currency: cur.code };
}

/** "12.34" for USD 1234, "1000" for JPY 1000: the plain decimal, no symbol or grouping. */
export function toDecimalString(m: Money): string {
  const cur = currency(m.currency);
  const negative = m.amount_minor < 0;
  const digits = Math.abs(m.amount_minor).toString().padStart(cur.exponent + 1, '0');
  const whole = digits.slice(0, digits.length - cur.exponent);
  const fraction = digits.slice(digits.length - cur.exponent);
  return `${negative ? '-' : ''}${whole}${cur.exponent > 0 ? `.${fraction}` : ''}`;
}

/** "$1,234.56", "-¥1,000" (JPY), "USD 1,234.56" with `{ code: true }`. */
export function formatMoney(m: Money, options: { code?: boolean } = {}): string {
  const cur = currency(m.currency);
  const plain = toDecimalString(m);
  const negative = plain.startsWith('-');
  const [whole, fraction] = (negative ? plain.slice(1) : plain).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const number = fraction === undefined ? grouped : `${grouped}.${fraction}`;
  const body = options.code ? `${cur.code} ${number}` : `${cur.symbol}${number}`;
  return negative ? `-${body}` : body;
}
