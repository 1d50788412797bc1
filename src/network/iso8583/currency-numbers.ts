import { malformed, unencodable } from './iso8583-error.ts';

/**
 * ISO 4217 numeric codes, as data elements 49 and 51 carry a currency: every
 * currency of the money table (src/platform/money.ts, which bounds what the
 * acquirer accepts; a test keeps the two in step) and XXX, which the
 * network uses for "no currency" in an answer to a malformed message.
 * Amounts travel as integer minor units of the currency (ISO 8583's
 * implied decimal: two places for USD, none for JPY, three for KWD).
 */
const NUMERIC_BY_ALPHA: Readonly<Record<string, string>> = {
  AUD: '036',
  BHD: '048',
  CAD: '124',
  CHF: '756',
  CNY: '156',
  EUR: '978',
  GBP: '826',
  HKD: '344',
  INR: '356',
  JPY: '392',
  KRW: '410',
  KWD: '414',
  SGD: '702',
  USD: '840',
  VND: '704',
  XXX: '999',
};

const ALPHA_BY_NUMERIC: ReadonlyMap<string, string> = new Map(Object.entries(NUMERIC_BY_ALPHA).map(([alpha, numeric]) => [numeric, alpha]));

export function currencyNumber(alpha: string): string {
  const numeric = Object.hasOwn(NUMERIC_BY_ALPHA, alpha) ? NUMERIC_BY_ALPHA[alpha] : undefined;
  if (numeric === undefined) throw unencodable('the currency has no ISO 4217 numeric code in Cardlane\'s table');
  return numeric;
}

export function currencyAlpha(numeric: string, element: number): string {
  const alpha = ALPHA_BY_NUMERIC.get(numeric);
  if (alpha === undefined) throw malformed(`data element ${element} names a currency Cardlane does not know`);
  return alpha;
}

export function hasCurrencyNumber(alpha: string): boolean {
  return Object.hasOwn(NUMERIC_BY_ALPHA, alpha);
}
