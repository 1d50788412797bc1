import { expect } from './story-off-script.ts';
import type { CardholderApp, SandboxOperator, TopUpQuoteJson } from './story-issuer.ts';

/** A first quote's CNY per US cent: ¥8 a dollar, above the default rate and fee, so the first quote usually suffices. */
export const FIRST_QUOTE_FEN_PER_CENT = 8;
// A quote scaled to the shortfall lands on the first retry; the bound stops a rate that keeps moving.
const TOP_UP_TRIES = 3;
// A margin over the proportional amount, so rounding in the rate or fee cannot leave the quote a cent short.
const TOP_UP_MARGIN_FEN = 1_000;

/**
 * A CNY top-up through Alipay bringing at least `usdMinor` to the wallet, at
 * whatever rate and fee the operator set: a first quote for `firstTryFen`,
 * then scaled up if it falls short. The sandbox operator pays it as the
 * payer's Alipay would.
 */
export async function topUp(app: CardholderApp, operator: SandboxOperator, firstTryFen: number, usdMinor: number) {
  let quote: TopUpQuoteJson = await app.quoteTopUp(firstTryFen);
  for (let tries = 1; quote.usd_amount.amount_minor < usdMinor && tries < TOP_UP_TRIES; tries++) {
    quote = await app.quoteTopUp(Math.ceil((quote.cny_amount.amount_minor * usdMinor) / Math.max(1, quote.usd_amount.amount_minor)) + TOP_UP_MARGIN_FEN);
  }
  expect(quote.usd_amount.amount_minor >= usdMinor, `a top-up of ${quote.cny_amount.formatted} brings only ${quote.usd_amount.formatted}`);
  const order = await app.createTopUp(quote.id);
  const paid = await operator.payTopUp(order.id);
  expect(paid.top_up.status === 'credited', `the top-up is ${paid.top_up.status} after paying (the issuer answered Alipay's notify with ${paid.notify_answer})`);
  return { quote, order, paid };
}
