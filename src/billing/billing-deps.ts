import type { Ledger } from '../ledger/index.ts';
import type { Clock } from '../platform/clock.ts';
import type { IdGenerator, RandomSource } from '../platform/ids.ts';
import type { PriceBook } from './price-book.ts';

/** What merchant billing's domain code needs from the outside world. */
export interface BillingDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** For API keys: must be a cryptographic source outside tests. */
  readonly random: RandomSource;
  readonly ledger: Ledger;
  /** Defaults to DEFAULT_PRICE_BOOK. */
  readonly priceBook?: PriceBook;
}
