/**
 * Per-model prices. The unit is **micro-dollars (USD 1/1,000,000) per one
 * million tokens**, as integers: OpenAI publishes prices as "$X per 1M
 * tokens", and $0.075/1M is 75,000 here, so sub-cent prices stay exact.
 *
 * Rounding rule (one, documented): the *total* of a usage event —
 * input_tokens × input price + output_tokens × output price — is computed
 * exactly with BigInt and rounded **up** to the whole cent once. A usage
 * event with no tokens costs nothing; any other costs at least one cent.
 * No floats anywhere.
 */

export interface ModelPrice {
  readonly model: string;
  readonly currency: 'USD';
  readonly input_microusd_per_1m_tokens: number;
  readonly output_microusd_per_1m_tokens: number;
}

export type PriceBook = ReadonlyMap<string, ModelPrice>;

/** The deterministic built-in model (echo-model.ts). */
export const ECHO_MODEL = 'cardlane-echo-1';

export function priceBook(prices: readonly ModelPrice[]): PriceBook {
  const book = new Map<string, ModelPrice>();
  for (const price of prices) {
    for (const value of [price.input_microusd_per_1m_tokens, price.output_microusd_per_1m_tokens]) {
      if (!Number.isSafeInteger(value) || value < 0) throw new Error(`price of ${price.model} must be a non-negative integer`);
    }
    if (book.has(price.model)) throw new Error(`duplicate price for ${price.model}`);
    book.set(price.model, price);
  }
  return book;
}

/** $2.00 per 1M input tokens, $8.00 per 1M output tokens. */
export const DEFAULT_PRICE_BOOK: PriceBook = priceBook([
  { model: ECHO_MODEL, currency: 'USD', input_microusd_per_1m_tokens: 2_000_000, output_microusd_per_1m_tokens: 8_000_000 },
]);

// One cent is 10,000 micro-dollars; prices are per 1,000,000 tokens.
const UNITS_PER_CENT = 10_000n * 1_000_000n;

export interface UsagePrice {
  readonly model: string;
  readonly currency: 'USD';
  readonly amount_minor: number;
}

/** The price of one usage event in USD cents, or null for a model not in the book. */
export function priceUsage(book: PriceBook, usage: { model: string; inputTokens: number; outputTokens: number }): UsagePrice | null {
  const price = book.get(usage.model);
  if (price === undefined) return null;
  for (const count of [usage.inputTokens, usage.outputTokens]) {
    if (!Number.isSafeInteger(count) || count < 0) throw new Error('token counts must be non-negative safe integers');
  }
  const exact =
    BigInt(usage.inputTokens) * BigInt(price.input_microusd_per_1m_tokens) +
    BigInt(usage.outputTokens) * BigInt(price.output_microusd_per_1m_tokens);
  const cents = (exact + UNITS_PER_CENT - 1n) / UNITS_PER_CENT;
  if (cents > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('usage price overflows');
  return { model: usage.model, currency: price.currency, amount_minor: Number(cents) };
}

/** The least any request with tokens costs (one cent): what the pre-check asks for. */
export const MINIMUM_CHARGE_MINOR = 1;
