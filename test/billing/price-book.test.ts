import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PRICE_BOOK, ECHO_MODEL, priceBook, priceUsage } from '../../src/billing/price-book.ts';

// A book with a sub-cent price: $0.075 per 1M input tokens, $0.30 per 1M output tokens.
const BOOK = priceBook([
  { model: 'cheap', currency: 'USD', input_microusd_per_1m_tokens: 75_000, output_microusd_per_1m_tokens: 300_000 },
  { model: ECHO_MODEL, currency: 'USD', input_microusd_per_1m_tokens: 2_000_000, output_microusd_per_1m_tokens: 8_000_000 },
]);

const CASES: ReadonlyArray<{ name: string; model: string; input: number; output: number; cents: number | null }> = [
  { name: 'no tokens cost nothing', model: ECHO_MODEL, input: 0, output: 0, cents: 0 },
  { name: 'one token is rounded up to a cent', model: ECHO_MODEL, input: 1, output: 0, cents: 1 },
  { name: 'exactly one cent (5,000 input tokens at $2/1M)', model: ECHO_MODEL, input: 5_000, output: 0, cents: 1 },
  { name: 'one token past a cent rounds up', model: ECHO_MODEL, input: 5_001, output: 0, cents: 2 },
  { name: 'the total is rounded once, not each side ($0.005 + $0.004 = 0.9¢ → 1¢)', model: ECHO_MODEL, input: 2_500, output: 500, cents: 1 },
  { name: '1M input + 1M output = $10.00', model: ECHO_MODEL, input: 1_000_000, output: 1_000_000, cents: 1_000 },
  { name: 'sub-cent prices stay exact ($0.075/1M × 1M = 7.5¢ → 8¢)', model: 'cheap', input: 1_000_000, output: 0, cents: 8 },
  { name: 'sub-cent prices, 2M tokens = exactly 15¢', model: 'cheap', input: 2_000_000, output: 0, cents: 15 },
  { name: 'large counts do not lose precision (10¹² output tokens × $0.30/1M = $300,000)', model: 'cheap', input: 0, output: 1_000_000_000_000, cents: 30_000_000 },
  { name: 'near the safe-integer limit: 2⁵³−1 input tokens', model: 'cheap', input: Number.MAX_SAFE_INTEGER, output: 0, cents: 67_553_994_411 },
  { name: 'an unknown model has no price', model: 'gpt-unknown', input: 10, output: 10, cents: null },
];

for (const c of CASES) {
  test(`price: ${c.name}`, () => {
    const price = priceUsage(BOOK, { model: c.model, inputTokens: c.input, outputTokens: c.output });
    assert.equal(price === null ? null : price.amount_minor, c.cents);
    if (price !== null) assert.equal(price.currency, 'USD');
  });
}

test('the default price book prices the built-in model', () => {
  assert.deepEqual(priceUsage(DEFAULT_PRICE_BOOK, { model: ECHO_MODEL, inputTokens: 1_000_000, outputTokens: 0 }), { model: ECHO_MODEL, currency: 'USD', amount_minor: 200 });
});

test('token counts and prices must be non-negative integers', () => {
  assert.throws(() => priceUsage(BOOK, { model: ECHO_MODEL, inputTokens: -1, outputTokens: 0 }));
  assert.throws(() => priceUsage(BOOK, { model: ECHO_MODEL, inputTokens: 1.5, outputTokens: 0 }));
  assert.throws(() => priceBook([{ model: 'x', currency: 'USD', input_microusd_per_1m_tokens: 0.5, output_microusd_per_1m_tokens: 1 }]));
  assert.throws(() => priceBook([{ model: 'x', currency: 'USD', input_microusd_per_1m_tokens: 1, output_microusd_per_1m_tokens: 1 }, { model: 'x', currency: 'USD', input_microusd_per_1m_tokens: 1, output_microusd_per_1m_tokens: 1 }]));
});
