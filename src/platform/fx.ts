import { currency, MoneyError, type Money } from './money.ts';

/**
 * An exchange rate "1 base = value quote", e.g. { base: USD, quote: CNY, value: "7.2" }.
 * The value is a decimal string and is held as an exact fraction: no floats.
 */
export interface FxRate {
  readonly base: string;
  readonly quote: string;
  readonly value: string;
}

interface Fraction {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const RATE_PATTERN = /^\d{1,12}(?:\.\d{1,12})?$/;

function parseRate(value: string): Fraction {
  if (!RATE_PATTERN.test(value)) throw new MoneyError('rate_invalid', `not a rate: ${JSON.stringify(value)}`);
  const [whole, fraction = ''] = value.split('.');
  const numerator = BigInt(whole! + fraction);
  if (numerator === 0n) throw new MoneyError('rate_invalid', 'a rate must be positive');
  return { numerator, denominator: 10n ** BigInt(fraction.length) };
}

/**
 * THE one conversion between currencies. Rounding rule: the exact result is
 * rounded to the target currency's minor unit **half to even** (banker's
 * rounding), so that repeated conversions carry no bias in either party's
 * favour. Fees are separate amounts, never hidden in the rounding.
 */
export function convert(amount: Money, to: string, rate: FxRate): Money {
  const source = currency(amount.currency);
  const target = currency(to);
  const base = currency(rate.base).code;
  const quote = currency(rate.quote).code;
  const value = parseRate(rate.value);

  let multiplier: Fraction;
  if (source.code === base && target.code === quote) multiplier = value;
  else if (source.code === quote && target.code === base) multiplier = { numerator: value.denominator, denominator: value.numerator };
  else throw new MoneyError('currency_mismatch', `rate ${base}/${quote} cannot convert ${source.code} to ${target.code}`);

  // amount_minor / 10^e_src * rate * 10^e_dst, as one exact fraction.
  const numerator = BigInt(amount.amount_minor) * multiplier.numerator * 10n ** BigInt(target.exponent);
  const denominator = multiplier.denominator * 10n ** BigInt(source.exponent);
  const result = divideHalfEven(numerator, denominator);
  if (result > BigInt(Number.MAX_SAFE_INTEGER) || result < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MoneyError('amount_out_of_range', 'converted amount leaves the safe integer range');
  }
  return { amount_minor: Number(result), currency: target.code };
}

/** Integer division rounding half to even; the denominator must be positive. */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  let quotient = magnitude / denominator;
  const twiceRemainder = (magnitude % denominator) * 2n;
  if (twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n)) quotient += 1n;
  return negative ? -quotient : quotient;
}
