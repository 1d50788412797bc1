import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Stripe's test clocks (`/v1/test_helpers/test_clocks`): a merchant's own
 * frozen time, which the customers created on it (and what hangs off them)
 * see instead of the server's clock, moved only by `advance`. A deleted clock
 * keeps its row (`deleted_at_ms`) so its id stays taken and its customers'
 * `test_clock` still names something; Stripe deletes the clock's customers
 * with it, and so does Cardlane (see test-clocks.ts).
 */
export const testClockMigrations: readonly Migration[] = [
  {
    id: 'acquirer/041_test_clocks',
    sql: `
CREATE TABLE acquirer_test_clocks (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  name TEXT,
  frozen_time_ms BIGINT NOT NULL,
  status TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  deletes_after_ms BIGINT NOT NULL,
  deleted_at_ms BIGINT
);
CREATE INDEX acquirer_test_clocks_merchant ON acquirer_test_clocks (merchant_id, id);
ALTER TABLE acquirer_customers ADD COLUMN test_clock_id TEXT;
`,
  },
];
